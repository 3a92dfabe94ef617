// The checks that make parsed records a zone one can serve, as named-checkzone and Knot's
// zone loader make them. Parsing only knows lines; these know the whole zone.
import { ZoneFileError } from './errors';
import type { ZoneRecord } from './parse';

/** Records grouped by owner, then by type name. */
export type Groups = Map<string, Map<string, ZoneRecord[]>>;

/** `name` is `ancestor` or below it; `''` is the root. */
export function isAtOrBelow(name: string, ancestor: string): boolean {
  if (ancestor === '' || name === ancestor) return true;
  return name.length > ancestor.length + 1 && name.charCodeAt(name.length - ancestor.length - 1) === 46 &&
    name.endsWith(ancestor);
}

/** The CNAME chains this long are never followed in full by lookups either (zone.ts). */
const MAX_CHECKED_CHAIN = 64;

export function validateZone(origin: string, records: ZoneRecord[], groups: Groups, file: string): void {
  const fail = (line: number | null, what: string, token?: string): never => {
    throw new ZoneFileError('CDNS_ZONEFILE_ZONE', file, line, what, token);
  };

  // RFC 1035 §5.2: exactly one SOA, and it defines the apex (parse.ts took its owner as origin).
  const soas = records.filter((r) => r.type === 'SOA');
  if (soas.length === 0) fail(null, 'no SOA record: expected exactly one, at the zone apex');
  if (soas.length > 1) {
    fail(soas[1].line, `a second SOA record: expected exactly one, at the zone apex '${origin}' (line ${soas[0].line})`,
      soas[1].name);
  }
  for (const r of records) {
    if (!isAtOrBelow(r.name, origin)) {
      fail(r.line, `record outside the zone '${origin}' of the SOA: expected names at or below it (check $ORIGIN and trailing dots)`,
        r.name);
    }
  }
  // RFC 1035 §5.2: the apex must have NS records.
  if (!groups.get(origin)?.has('NS')) fail(soas[0].line, `no NS record at the apex '${origin}': expected at least one`);

  const cuts: string[] = [];
  for (const [name, types] of groups) {
    // RFC 1034 §3.6.2, RFC 2181 §10.1: a CNAME is alone at its name (no DNSSEC types here).
    const cname = types.get('CNAME');
    if (cname !== undefined) {
      if (cname.length > 1) fail(cname[1].line, 'a second CNAME at the same name: expected exactly one', name);
      for (const [type, rrs] of types) {
        if (type !== 'CNAME') {
          const later = rrs[0].line > cname[0].line ? rrs[0] : cname[0];
          fail(later.line, `${name} has a CNAME (line ${cname[0].line}) and ${type} records (line ${rrs[0].line}): ` +
            'a CNAME must be alone at its name (RFC 1034 §3.6.2)', name);
        }
      }
    }
    const ns = types.get('NS');
    if (ns !== undefined && name !== origin) {
      // RFC 4592 §4.2: NS at a wildcard has no well-defined meaning.
      if (name === '*' || name.startsWith('*.')) fail(ns[0].line, 'NS records at a wildcard name are not allowed', name);
      cuts.push(name);
    }
  }

  const highestCut = (name: string): string | null => {
    let best: string | null = null;
    for (const c of cuts) if (isAtOrBelow(name, c) && (best === null || c.length < best.length)) best = c;
    return best;
  };

  for (const r of records) {
    let target: string | null = null;
    if (r.type === 'NS') target = r.data as string;
    else if (r.type === 'MX') target = (r.data as { exchange: string }).exchange;
    else if (r.type === 'SRV') target = (r.data as { target: string }).target;
    if (target === null || !isAtOrBelow(target, origin)) continue;
    const at = groups.get(target);
    // RFC 2181 §10.3: NS, MX and SRV targets must not be aliases.
    if (at?.has('CNAME')) {
      fail(r.line, `${r.type} target ${target} is a CNAME (line ${at.get('CNAME')![0].line}): ` +
        'expected the name of a host (RFC 2181 §10.3)', target);
    }
    // A name server inside the zone needs its address here, or no one can reach it (glue,
    // RFC 1034 §4.2.1) -- unless it sits in another delegated zone, whose servers answer for it.
    if (r.type === 'NS') {
      const cut = highestCut(target);
      if ((cut === null || cut === r.name) && !at?.has('A') && !at?.has('AAAA')) {
        fail(r.line, `name server ${target} is inside the zone but has no A or AAAA record: expected its address (glue)`,
          target);
      }
    }
  }

  // An in-zone CNAME loop is a certain fault; report it where the loop starts.
  for (const [name, types] of groups) {
    const cname = types.get('CNAME');
    if (cname === undefined) continue;
    const seen = [name];
    let next = cname[0].data as string;
    for (let i = 0; i < MAX_CHECKED_CHAIN; i++) {
      if (seen.includes(next)) {
        fail(cname[0].line, `CNAME loop: ${[...seen, next].join(' -> ')}`, name);
      }
      const further = groups.get(next)?.get('CNAME');
      if (further === undefined) break;
      seen.push(next);
      next = further[0].data as string;
    }
  }
}
