// Type and class mnemonics of Corefile arguments (`template IN A`, `rewrite type ANY HINFO`),
// RFC 1035 §3.2.2-3.2.5 and the IANA registry, plus the generic `TYPEnnn` form (RFC 3597 §5).
const TYPES: Record<string, number> = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, RP: 17, AAAA: 28, LOC: 29,
  SRV: 33, NAPTR: 35, DNAME: 39, OPT: 41, DS: 43, SSHFP: 44, RRSIG: 46, NSEC: 47, DNSKEY: 48,
  NSEC3: 50, TLSA: 52, SVCB: 64, HTTPS: 65, SPF: 99, IXFR: 251, AXFR: 252, ANY: 255, CAA: 257,
};
const CLASSES: Record<string, number> = { IN: 1, CH: 3, CS: 2, HS: 4, NONE: 254, ANY: 255 };

export function typeNumber(name: string): number | undefined {
  const u = name.toUpperCase();
  const m = /^TYPE(\d{1,5})$/.exec(u);
  if (m !== null) return Number(m[1]) <= 65535 ? Number(m[1]) : undefined;
  return TYPES[u];
}

export function classNumber(name: string): number | undefined {
  const u = name.toUpperCase();
  const m = /^CLASS(\d{1,5})$/.exec(u);
  if (m !== null) return Number(m[1]) <= 65535 ? Number(m[1]) : undefined;
  return CLASSES[u];
}

const RCODES: Record<string, number> = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, NOTIMPL: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7,
  NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10,
};

export function rcodeNumber(name: string): number | undefined {
  return RCODES[name.toUpperCase()];
}

export const TYPE_NAMES = Object.keys(TYPES);
