// The rdata of each record type static zones serve, in dns-packet's `data` shapes, so the
// answer writer and tests can treat them like any other record (src/dns/records.ts).
import { isIPv4, isIPv6 } from 'node:net';
import { ZoneFileError } from './errors';
import type { Token } from './tokens';
import { parseCharString, parseName, parseTtl, parseUint } from './values';

/** The types a static zone serves: what a cluster's side zones hold (see README). */
export const SUPPORTED_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT'] as const;
export type SupportedType = (typeof SUPPORTED_TYPES)[number];

const SUPPORTED = new Set<string>(SUPPORTED_TYPES);

// Real types that a master file may hold but that we do not serve: named in the error so the
// operator knows the file is fine and the server is the limit (RFC 3597 TYPEnnn included).
const KNOWN_UNSUPPORTED = new Set([
  'AFSDB', 'APL', 'CAA', 'CDNSKEY', 'CDS', 'CERT', 'CSYNC', 'DHCID', 'DLV', 'DNAME', 'DNSKEY', 'DS',
  'EUI48', 'EUI64', 'HINFO', 'HIP', 'HTTPS', 'IPSECKEY', 'KEY', 'KX', 'LOC', 'MB', 'MD', 'MF', 'MG',
  'MINFO', 'MR', 'NAPTR', 'NSEC', 'NSEC3', 'NSEC3PARAM', 'NULL', 'OPENPGPKEY', 'RP', 'RRSIG', 'SIG',
  'SMIMEA', 'SPF', 'SSHFP', 'SVCB', 'TA', 'TLSA', 'URI', 'WKS', 'ZONEMD',
]);

export function isSupportedType(upper: string): upper is SupportedType {
  return SUPPORTED.has(upper);
}

/** Whether a word that is not a supported type still names some real record type. */
export function isKnownType(upper: string): boolean {
  return KNOWN_UNSUPPORTED.has(upper) || /^TYPE\d+$/.test(upper);
}

const U16 = 65535;
const U32 = 4294967295;

/** Count of rdata fields per type; TXT takes one or more. */
const FIELDS: Record<SupportedType, string[]> = {
  A: ['IPv4 address'],
  AAAA: ['IPv6 address'],
  CNAME: ['target name'],
  NS: ['name server'],
  PTR: ['target name'],
  MX: ['preference', 'exchange'],
  SRV: ['priority', 'weight', 'port', 'target'],
  SOA: ['mname', 'rname', 'serial', 'refresh', 'retry', 'expire', 'minimum'],
  TXT: ['string'],
};

/**
 * Parses the rdata tokens of one record. `line` is the record's line, for a missing field.
 */
export function parseRdata(type: SupportedType, toks: Token[], origin: string | null, file: string, line: number): unknown {
  const fields = FIELDS[type];
  if (toks.length < fields.length) {
    throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, toks.length > 0 ? toks[toks.length - 1].line : line,
      `${type} record: expected ${fields.join(', ')}; missing ${fields.slice(toks.length).join(', ')}`);
  }
  if (type !== 'TXT' && toks.length > fields.length) {
    const extra = toks[fields.length];
    throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, extra.line,
      `${type} record: expected only ${fields.join(', ')}; unexpected extra token (a ';' comment needs its ';')`,
      extra.text);
  }
  const name = (i: number): string => parseName(toks[i], origin, file, `${type} ${fields[i]}`);
  const u16 = (i: number): number => parseUint(toks[i], file, `${type} ${fields[i]}`, U16);
  switch (type) {
    case 'A':
      return address(toks[0], file, 'A', isIPv4(toks[0].text) && !toks[0].quoted);
    case 'AAAA':
      return address(toks[0], file, 'AAAA', isIPv6(toks[0].text) && !toks[0].quoted && !toks[0].text.includes('%'));
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return name(0);
    case 'MX':
      return { preference: u16(0), exchange: name(1) };
    case 'SRV':
      // RFC 2782: a target of '.' means "no such service here"; kept as the root name ''.
      return { priority: u16(0), weight: u16(1), port: u16(2), target: name(3) };
    case 'SOA':
      return {
        mname: name(0),
        rname: name(1),
        serial: parseUint(toks[2], file, 'SOA serial', U32),
        refresh: parseTtl(toks[3], file, 'SOA refresh'),
        retry: parseTtl(toks[4], file, 'SOA retry'),
        expire: parseTtl(toks[5], file, 'SOA expire'),
        minimum: parseTtl(toks[6], file, 'SOA minimum'),
      };
    case 'TXT':
      // One <character-string> per token, quoted or not (RFC 1035 §5.1); Buffers keep `\DDD`
      // bytes exact, and are what dns-packet itself decodes TXT into.
      return toks.map((t) => parseCharString(t, file, 'TXT string'));
  }
}

function address(tok: Token, file: string, type: 'A' | 'AAAA', ok: boolean): string {
  if (!ok) {
    throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, tok.line,
      `${type} record: expected ${type === 'A' ? 'an IPv4 address such as 192.0.2.1' : 'an IPv6 address such as 2001:db8::1'}`,
      tok.text);
  }
  return tok.text.toLowerCase();
}
