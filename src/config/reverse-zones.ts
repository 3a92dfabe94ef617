// reverseZones: the reverse zones answered authoritatively (SPEC §2, PTR), given as CIDRs or as
// zone names. A reverse zone can only cut an address on a label boundary: an octet under
// in-addr.arpa (RFC 1035 §3.5), a nibble under ip6.arpa (RFC 3596 §2.5). A prefix between two
// boundaries therefore becomes the 2^k zones that cover exactly it, as CoreDNS's kubernetes
// plugin does: 10.96.0.0/12 -> 96.10.in-addr.arpa ... 111.10.in-addr.arpa (16 zones). At most
// 2^7 zones per IPv4 CIDR and 2^3 per IPv6 CIDR, so the expansion is always small.

import { isIP } from 'node:net';
import { formatIPv6, ipv4Bytes, ipv6Bytes } from '../cluster/ip';
import { expected } from './errors';
import { list, type Check } from './values';

const CIDR_HINT = 'expected a CIDR like 10.96.0.0/12 or fd00::/108';
const NAME_HINT = 'expected a CIDR or a zone name ending in in-addr.arpa or ip6.arpa';

/** One item: a CIDR (expanded) or a reverse zone name, as lower-case names without the dot. */
export const reverseZone: Check<string[]> = (v, field) => {
  if (typeof v !== 'string') throw expected('CDNS_CONFIG_TYPE', field, NAME_HINT, v);
  const s = v.trim().toLowerCase();
  return s.includes('/') ? cidrZones(s, field, v) : [zoneName(s, field, v)];
};

const items = list(reverseZone, { min: 1 });

/** The whole option: a list (or comma-separated string), flattened, duplicates removed. */
export const reverseZones: Check<string[]> = (v, field) => [...new Set(items(v, field).flat())];

function cidrZones(s: string, field: string, raw: string): string[] {
  const slash = s.indexOf('/');
  const ip = s.slice(0, slash);
  const bitsText = s.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || ip.includes('%') || !/^\d{1,3}$/.test(bitsText)) throw expected('CDNS_CONFIG_VALUE', field, CIDR_HINT, raw);
  const v4 = family === 4;
  const unit = v4 ? 8 : 4; // bits per label
  const width = v4 ? 32 : 128;
  const prefix = Number(bitsText);
  if (prefix > width) throw expected('CDNS_CONFIG_RANGE', field, `expected a prefix length 0-${width}`, raw);

  // The address as label values, most significant first: 4 octets or 32 nibbles.
  const digits = v4 ? [...ipv4Bytes(ip)] : nibbles(ipv6Bytes(ip));
  const masked = digits.map((d, i) => {
    const keep = Math.min(Math.max(prefix - i * unit, 0), unit);
    return d & (((1 << keep) - 1) << (unit - keep));
  });
  if (masked.some((d, i) => d !== digits[i])) {
    const net = v4 ? masked.join('.') : formatIPv6(fromNibbles(masked));
    throw expected('CDNS_CONFIG_VALUE', field, `expected a network address with the host bits zero (${net}/${prefix})`, raw);
  }

  const labels = Math.ceil(prefix / unit);
  const spare = labels * unit - prefix;
  const out: string[] = [];
  for (let i = 0; i < 1 << spare; i++) {
    const d = digits.slice(0, labels);
    if (labels > 0) d[labels - 1] += i;
    out.push(zoneOf(d, v4));
  }
  return out;
}

function zoneOf(digits: number[], v4: boolean): string {
  const labels = digits.reverse().map((d) => d.toString(v4 ? 10 : 16));
  labels.push(v4 ? 'in-addr' : 'ip6', 'arpa');
  return labels.join('.');
}

function zoneName(s: string, field: string, raw: string): string {
  const name = s.replace(/\.$/, '');
  let labels: string[];
  let ok: (l: string) => boolean;
  let max: number;
  if (name === 'in-addr.arpa' || name.endsWith('.in-addr.arpa')) {
    labels = name === 'in-addr.arpa' ? [] : name.slice(0, -'.in-addr.arpa'.length).split('.');
    ok = (l) => /^(0|[1-9]\d{0,2})$/.test(l) && Number(l) <= 255;
    max = 4;
  } else if (name === 'ip6.arpa' || name.endsWith('.ip6.arpa')) {
    labels = name === 'ip6.arpa' ? [] : name.slice(0, -'.ip6.arpa'.length).split('.');
    ok = (l) => /^[0-9a-f]$/.test(l);
    max = 32;
  } else {
    throw expected('CDNS_CONFIG_VALUE', field, NAME_HINT, raw);
  }
  if (labels.length > max || !labels.every(ok)) {
    throw expected('CDNS_CONFIG_VALUE', field, `expected at most ${max} labels of ${max === 4 ? 'octets 0-255' : 'single hex digits'} before ${name.endsWith('ip6.arpa') ? 'ip6.arpa' : 'in-addr.arpa'}`, raw);
  }
  return name;
}

function nibbles(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of bytes) out.push(b >> 4, b & 15);
  return out;
}

function fromNibbles(n: number[]): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = (n[2 * i] << 4) | n[2 * i + 1];
  return out;
}
