// DNS wire constants (RFC 1035 §3.2, RFC 3596, RFC 2782, RFC 6891).
// Numeric codes only: the hot path compares numbers, never strings.

export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

export const CLASS_IN = 1;
export const CLASS_ANY = 255;

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

export const OPCODE_QUERY = 0;

/** Header flag bits, as they sit in the 16-bit flags word. */
export const FLAG = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
} as const;

export const HEADER_LEN = 12;
/** RFC 1035 §4.2.1: the UDP payload every client accepts without EDNS. */
export const MIN_UDP_SIZE = 512;
/** What we advertise in our OPT record: the DNS flag day 2020 recommendation. */
export const OUR_UDP_SIZE = 1232;
/** RFC 1035 §4.2.2: TCP messages carry a 16-bit length. */
export const MAX_MESSAGE = 65535;

const TYPE_NAMES = new Map<number, string>(Object.entries(TYPE).map(([k, v]) => [v, k]));
export function typeName(t: number): string {
  return TYPE_NAMES.get(t) ?? `TYPE${t}`;
}
export function typeCode(name: string): number | undefined {
  return (TYPE as Record<string, number>)[name.toUpperCase()];
}

const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([k, v]) => [v, k]));
export function rcodeName(r: number): string {
  return RCODE_NAMES.get(r) ?? `RCODE${r}`;
}
