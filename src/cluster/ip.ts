// IP addresses as DNS sees them: wire bytes, canonical text (RFC 5952), the dashed label
// used for endpoint and pod names (SPEC §2), and reverse names (RFC 1035 §3.5, RFC 3596 §2.5).
import { isIPv4, isIPv6 } from 'node:net';

export function ipFamily(ip: string): 4 | 6 | 0 {
  return isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : 0;
}

/** 16 bytes of an IPv6 address; the caller has checked isIPv6. */
export function ipv6Bytes(ip: string): Buffer {
  const out = Buffer.alloc(16);
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1].split('.').map(Number);
    text = text.slice(0, v4.index) + ((b[0] << 8) | b[1]).toString(16) + ':' + ((b[2] << 8) | b[3]).toString(16);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  for (let i = 0; i < 8; i++) out.writeUInt16BE(parseInt(groups[i], 16), i * 2);
  return out;
}

export function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

/** RFC 5952 text of 16 bytes: lower case, leading zeros dropped, longest zero run (>1) as `::`. */
export function formatIPv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return hex.slice(0, bestAt).join(':') + '::' + hex.slice(bestAt + bestLen).join(':');
}

/** Canonical text of an address, or '' when it is not one. */
export function normalizeIP(ip: string): string {
  if (isIPv4(ip)) return ip.split('.').map((o) => String(Number(o))).join('.');
  if (isIPv6(ip)) return formatIPv6(ipv6Bytes(ip));
  return '';
}

/**
 * The dashed label of an address (SPEC §2, Endpoint names): dots or colons become dashes;
 * a leading or trailing dash gets a `0` so the label stays valid (`2001:db8::` -> `2001-db8--0`).
 */
export function dashedIP(ip: string): string {
  let s = ip.replace(/[.:]/g, '-');
  if (s.endsWith('-')) s += '0';
  if (s.startsWith('-')) s = '0' + s;
  return s;
}

/**
 * The address written in a pod name (SPEC §2, Pods): exactly 3 dashes and no `--` is IPv4,
 * anything else is read as IPv6. Returns canonical text, or '' when it does not parse.
 */
export function undashIP(label: string): string {
  const dashes = label.split('-').length - 1;
  if (dashes === 3 && !label.includes('--')) {
    const ip = label.replace(/-/g, '.');
    return isIPv4(ip) ? normalizeIP(ip) : '';
  }
  const ip = label.replace(/-/g, ':');
  return isIPv6(ip) ? normalizeIP(ip) : '';
}

/** `10.96.0.1` -> `1.0.96.10.in-addr.arpa`; IPv6 -> 32 nibbles `.ip6.arpa`. */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return ip.split('.').reverse().join('.') + '.in-addr.arpa';
  const b = ipv6Bytes(ip);
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((b[i] & 0xf).toString(16), (b[i] >> 4).toString(16));
  return nibbles.join('.') + '.ip6.arpa';
}

/** The address a reverse name stands for, or '' when the name is not a full address. */
export function addressFromReverse(nameLower: string): string {
  if (nameLower.endsWith('.in-addr.arpa')) {
    const parts = nameLower.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) < 256)) return '';
    return parts.reverse().join('.');
  }
  if (nameLower.endsWith('.ip6.arpa')) {
    const parts = nameLower.slice(0, -'.ip6.arpa'.length).split('.');
    if (parts.length !== 32 || !parts.every((p) => /^[0-9a-f]$/.test(p))) return '';
    const b = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) b[i] = (parseInt(parts[31 - 2 * i], 16) << 4) | parseInt(parts[30 - 2 * i], 16);
    return formatIPv6(b);
  }
  return '';
}

/**
 * An address as the view stores it (issue 13): an IPv4 address as the signed 32-bit integer of
 * its four bytes, which V8 keeps inside the array slot (a small integer, no heap object), and
 * an IPv6 address as its canonical text. One packed form per address, so equal addresses are
 * equal values (Map keys, ===).
 */
export type PackedIP = number | string;

/** The packed form of canonical address text (normalizeIP's output). */
export function packIP(ip: string): PackedIP {
  if (ip.includes(':')) return ip;
  let n = 0;
  let octet = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      n = (n << 8) | octet;
      octet = 0;
    } else octet = octet * 10 + (c - 48);
  }
  return (n << 8) | octet;
}

/** Canonical text of a packed address. */
export function unpackIP(p: PackedIP): string {
  if (typeof p === 'string') return p;
  return `${p >>> 24}.${(p >>> 16) & 255}.${(p >>> 8) & 255}.${p & 255}`;
}
