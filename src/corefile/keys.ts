// Server block keys and zone arguments (corefile(5); CoreDNS plugin.SplitHostPort and
// plugin/pkg/cidr). A key is `[dns://]ZONE[:PORT]`: the port is the digits after the last
// colon (a CIDR puts its /mask before the port, so `fd00::/108:53` reads right), no port means
// the default (53, or -dns.port). A ZONE that parses as a CIDR means its reverse zones: the
// network is cut on label boundaries (octets, nibbles), so 10.96.0.0/12 is the 16 zones
// 96.10.in-addr.arpa ... 111.10.in-addr.arpa, as CoreDNS expands it. Host bits are dropped
// (Go's net.ParseCIDR masks them). Zones come out lower-case without the trailing dot; the root
// is ''.
import { isIP } from 'node:net';
import { formatIPv6, ipv4Bytes, ipv6Bytes } from '../cluster/ip';
import { reverseZone } from '../config/reverse-zones';
import { CorefileError, quote } from './errors';
import type { Token } from './lexer';

export interface Key {
  zones: string[];
  /** null: no port written (the caller's default applies). */
  port: number | null;
}

const SCHEMES = ['tls://', 'grpc://', 'https://', 'quic://', 'https3://'];
const LABEL = /^[a-z0-9_*]([a-z0-9_-]*[a-z0-9_])?$/;

export function parseKey(t: Token): Key {
  const place = { file: t.file, line: t.line };
  let s = t.text.toLowerCase();
  const scheme = SCHEMES.find((p) => s.startsWith(p));
  if (scheme !== undefined) {
    throw new CorefileError('CDNS_COREFILE_UNSUPPORTED', `${quote(t.text)}: ${scheme} servers are not supported; expected dns:// (or no scheme)`, place);
  }
  if (s.startsWith('dns://')) s = s.slice('dns://'.length);
  let port: number | null = null;
  const colon = s.lastIndexOf(':');
  if (colon === s.length - 1 && colon >= 0) throw badKey(t, 'expected a port after the last colon');
  if (colon >= 0 && /^\d+$/.test(s.slice(colon + 1))) {
    port = Number(s.slice(colon + 1));
    if (port > 65535) throw badKey(t, 'expected a port 0-65535');
    s = s.slice(0, colon);
  }
  const zones = zoneArg(s, place, t.text);
  return { zones, port };
}

/** A zone as a plugin argument (`kubernetes cluster.local 10.0.0.0/8`, `fallthrough in-addr.arpa`). */
export function parseZone(t: Token, directive: string): string[] {
  return zoneArg(t.text.toLowerCase(), { file: t.file, line: t.line, directive }, t.text);
}

function zoneArg(s: string, place: { file: string; line: number; directive?: string }, raw: string): string[] {
  const bad = (why: string) => new CorefileError(place.directive === undefined ? 'CDNS_COREFILE_KEY' : 'CDNS_COREFILE_OPTION', `${quote(raw)}: ${why}`, place);
  if (s.includes('/')) {
    const [ip, bits, ...rest] = s.split('/');
    const family = isIP(ip);
    if (family === 0 || rest.length > 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) {
      throw bad('expected a zone name or a CIDR such as 10.0.0.0/8 or fd00::/108');
    }
    try {
      return reverseZone(`${masked(ip, Number(bits))}/${bits}`, 'zone');
    } catch (e) {
      throw bad((e as Error).message);
    }
  }
  const name = s === '.' ? '' : s.replace(/\.$/, '');
  if (name !== '' && (name.length > 253 || !name.split('.').every((l) => LABEL.test(l) && l.length <= 63))) {
    throw bad('expected a domain name (labels of letters, digits, - and _, separated by dots) or a CIDR');
  }
  return [name];
}

/** The network address of ip/bits. */
function masked(ip: string, bits: number): string {
  const v4 = isIP(ip) === 4;
  const bytes = v4 ? ipv4Bytes(ip) : ipv6Bytes(ip);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.min(Math.max(bits - i * 8, 0), 8);
    bytes[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return v4 ? [...bytes].join('.') : formatIPv6(bytes);
}

function badKey(t: Token, why: string): CorefileError {
  return new CorefileError('CDNS_COREFILE_KEY', `${quote(t.text)}: ${why}`, { file: t.file, line: t.line });
}
