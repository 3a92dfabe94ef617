// One static zone, loaded from a master file and answered by the rules of RFC 1034 §4.3.2.
// Everything a query can get is built once: answer sets are frozen and cached per (name,
// type) on first use, and NXDOMAIN/NODATA are one shared set per zone, so a lookup costs a
// couple of map reads (STYLE rule 7). Only wildcard matches build a set per query (RFC 4592
// makes the owner the query name).
import { readFileSync } from 'node:fs';
import type { AnswerSet, Record as Rr } from '../dns/records';
import { RCODE, TYPE, typeCode } from '../dns/constants';
import { ZoneFileError } from './errors';
import { parseZoneFile, type ParsedZone, type ZoneRecord } from './parse';
import { isAtOrBelow, validateZone, type Groups } from './validate';

/** Longest CNAME chain followed inside the zone, as CoreDNS's file plugin (maxChain 8). */
export const MAX_CHAIN = 8;

interface ZoneNode {
  name: string;
  /** RRsets by numeric type, in file order. */
  rrsets: Map<number, Rr[]>;
  /** Every record at the name, for qtype ANY. */
  all: Rr[];
  cname: Rr | null;
  /** Answer sets computed so far, by qtype (only types in TYPE: bounded per node). */
  answers: Map<number, AnswerSet>;
}

interface SoaData {
  minimum: number;
  serial: number;
}

const CACHEABLE = new Set<number>(Object.values(TYPE));

// A zone is asked only for names it contains (contains(), ZoneFileSource.find); anything else
// is a caller bug and gets REFUSED rather than a wrong authoritative denial.
const NOT_OURS: AnswerSet = freezeSet({
  rcode: RCODE.REFUSED, authoritative: false, answers: [], authority: [], additional: [],
});

export class StaticZone {
  /** Lower-case, no trailing dot. */
  readonly origin: string;
  readonly file: string;
  readonly serial: number;
  /** Records served (after dropping duplicates). */
  readonly size: number;
  private readonly nodes = new Map<string, ZoneNode>();
  /** Every name that exists: owners and empty non-terminals (RFC 4592 §2.2.2). */
  private readonly names = new Set<string>();
  /** Delegation points below the apex, fewest labels first. */
  private readonly cuts: string[] = [];
  private readonly referrals = new Map<string, AnswerSet>();
  private readonly hasWildcard: boolean;
  private readonly nxdomain: AnswerSet;
  private readonly nodata: AnswerSet;

  /** Reads, parses and validates a master file; throws ZoneFileError. */
  static fromFile(path: string, defaultOrigin?: string): StaticZone {
    return StaticZone.fromText(readZoneText(path), path, defaultOrigin);
  }

  static fromText(text: string, file: string, defaultOrigin?: string): StaticZone {
    return new StaticZone(parseZoneFile(text, file, defaultOrigin), file);
  }

  constructor(parsed: ParsedZone, file: string) {
    this.origin = parsed.origin;
    this.file = file;
    const records = dedupe(parsed.records);
    const groups: Groups = new Map();
    for (const r of records) {
      let types = groups.get(r.name);
      if (types === undefined) groups.set(r.name, (types = new Map()));
      const rrs = types.get(r.type);
      if (rrs === undefined) types.set(r.type, [r]);
      else rrs.push(r);
    }
    validateZone(this.origin, records, groups, file);
    this.size = records.length;

    let wildcard = false;
    this.names.add(this.origin);
    for (const [name, types] of groups) {
      const node: ZoneNode = { name, rrsets: new Map(), all: [], cname: null, answers: new Map() };
      for (const [type, rrs] of types) {
        // RFC 2181 §5.2: one TTL per RRset; differing ones are read as the lowest.
        const ttl = Math.min(...rrs.map((r) => r.ttl));
        const set = rrs.map((r) => answer(name, type, ttl, r.data));
        node.rrsets.set(typeCode(type)!, set);
        node.all.push(...set);
        if (type === 'CNAME') node.cname = set[0];
        if (type === 'NS' && name !== this.origin) this.cuts.push(name);
      }
      this.nodes.set(name, node);
      if (name === '*' || name.startsWith('*.')) wildcard = true;
      // Every ancestor up to the apex exists too, possibly as an empty non-terminal.
      for (let n = name; ; n = n.slice(n.indexOf('.') + 1)) {
        if (this.names.has(n)) break;
        this.names.add(n);
        if (n === this.origin || !n.includes('.')) break;
      }
    }
    this.hasWildcard = wildcard;
    this.cuts.sort((a, b) => a.split('.').length - b.split('.').length);

    const soa = this.nodes.get(this.origin)!.rrsets.get(TYPE.SOA)![0];
    const soaData = soa.data as SoaData;
    this.serial = soaData.serial;
    // RFC 2308 §3: the SOA in a negative answer carries min(SOA TTL, SOA minimum).
    const negSoa = answer(this.origin, 'SOA', Math.min(soa.ttl!, soaData.minimum), soa.data);
    this.nxdomain = freezeSet({ rcode: RCODE.NXDOMAIN, authoritative: true, answers: [], authority: [negSoa], additional: [] });
    this.nodata = freezeSet({ rcode: RCODE.NOERROR, authoritative: true, answers: [], authority: [negSoa], additional: [] });

    for (const cut of this.cuts) {
      // RFC 1034 §4.3.2 step 3b: a referral, not authoritative; the child's NS in authority and
      // their addresses (glue) in additional.
      const ns = this.nodes.get(cut)!.rrsets.get(TYPE.NS)!;
      this.referrals.set(cut, freezeSet({
        rcode: RCODE.NOERROR, authoritative: false, answers: [], authority: ns, additional: this.additionalFor(ns),
      }));
    }
  }

  /** `qnameLower` is the origin or below it. */
  contains(qnameLower: string): boolean {
    return isAtOrBelow(qnameLower, this.origin);
  }

  /**
   * The answer to (qname, qtype) by RFC 1034 §4.3.2, with records in dns-packet `Answer`
   * shapes. The returned set and its records are frozen and shared between queries.
   */
  lookup(qnameLower: string, qtype: number): AnswerSet {
    if (!this.contains(qnameLower)) return NOT_OURS;
    // Step 3b: at or below a zone cut, the data belongs to the child zone.
    if (this.cuts.length > 0) {
      const cut = this.cutFor(qnameLower);
      if (cut !== null) return this.referrals.get(cut)!;
    }
    const node = this.nodes.get(qnameLower);
    if (node !== undefined) return this.answerAt(node, qtype, true);
    // RFC 4592 §2.2.2: an empty non-terminal exists; it has no data of any type.
    if (this.names.has(qnameLower)) return this.nodata;
    if (this.hasWildcard) {
      const synth = this.wildcardFor(qnameLower);
      if (synth !== null) return this.answerAt(synth, qtype, false);
    }
    return this.nxdomain;
  }

  private answerAt(node: ZoneNode, qtype: number, cache: boolean): AnswerSet {
    const cached = node.answers.get(qtype);
    if (cached !== undefined) return cached;
    let set: AnswerSet;
    const rrset = qtype === TYPE.ANY ? node.all : node.rrsets.get(qtype);
    if (rrset !== undefined) {
      set = this.positive(rrset);
    } else if (node.cname !== null) {
      set = this.chase(node, qtype); // step 3a: qtype CNAME itself was matched just above
    } else {
      return this.nodata; // RFC 2308 §2.2 NODATA: the name exists, the type does not
    }
    freezeSet(set);
    if (cache && CACHEABLE.has(qtype)) node.answers.set(qtype, set);
    return set;
  }

  private positive(answers: Rr[]): AnswerSet {
    return { rcode: RCODE.NOERROR, authoritative: true, answers, authority: [], additional: this.additionalFor(answers) };
  }

  /**
   * RFC 1034 §4.3.2 step 3a: answer the CNAME and go on with its target while it stays in
   * this zone (and out of delegations), at most MAX_CHAIN links, never twice through a name.
   * The rcode is that of the last name (RFC 6604 §2.1); a target outside the zone ends the
   * chain with NOERROR, for the resolver (or the query chain) to follow.
   */
  private chase(start: ZoneNode, qtype: number): AnswerSet {
    const answers: Rr[] = [start.cname!];
    const seen = new Set<string>([start.name]);
    let target = start.cname!.data as string;
    for (let i = 0; i < MAX_CHAIN; i++) {
      if (!this.contains(target) || seen.has(target) || this.cutFor(target) !== null) break;
      seen.add(target);
      let node = this.nodes.get(target) ?? null;
      if (node === null && !this.names.has(target) && this.hasWildcard) node = this.wildcardFor(target);
      if (node === null) {
        const rcode = this.names.has(target) ? RCODE.NOERROR : RCODE.NXDOMAIN;
        return { rcode, authoritative: true, answers, authority: this.nodata.authority, additional: this.additionalFor(answers) };
      }
      const rrset = qtype === TYPE.ANY ? node.all : node.rrsets.get(qtype);
      if (rrset !== undefined) {
        answers.push(...rrset);
        break;
      }
      if (node.cname === null) {
        // NODATA at the end of the chain: the SOA says how long to remember it.
        return { rcode: RCODE.NOERROR, authoritative: true, answers, authority: this.nodata.authority, additional: this.additionalFor(answers) };
      }
      answers.push(node.cname);
      target = node.cname.data as string;
    }
    return this.positive(answers);
  }

  /** The highest delegation point at or above `name`, or null. */
  private cutFor(name: string): string | null {
    for (const cut of this.cuts) if (isAtOrBelow(name, cut)) return cut;
    return null;
  }

  /**
   * RFC 4592 §3.3.1: find the closest encloser (the longest existing ancestor); if `*.` under it
   * exists, its records answer with the query name as owner. Built per query.
   */
  private wildcardFor(qname: string): ZoneNode | null {
    let ce = qname;
    do {
      const dot = ce.indexOf('.');
      ce = dot < 0 ? '' : ce.slice(dot + 1);
    } while (!this.names.has(ce) && ce !== '');
    const source = this.nodes.get(ce === '' ? '*' : `*.${ce}`);
    if (source === undefined) return null;
    const node: ZoneNode = { name: qname, rrsets: new Map(), all: [], cname: null, answers: new Map() };
    for (const [code, rrs] of source.rrsets) {
      const set = rrs.map((r) => answer(qname, r.type, r.ttl!, r.data));
      node.rrsets.set(code, set);
      node.all.push(...set);
      if (code === TYPE.CNAME) node.cname = set[0];
    }
    return node;
  }

  /**
   * RFC 1035 §3.3.9/§3.3.11, RFC 2782: the A/AAAA of in-zone MX exchanges, SRV targets and
   * name servers; for NS also below a cut (glue), for the others only authoritative data.
   */
  private additionalFor(answers: Rr[]): Rr[] {
    const out: Rr[] = [];
    const seen = new Set<string>();
    for (const rr of answers) {
      let target: string;
      if (rr.type === 'MX') target = (rr.data as { exchange: string }).exchange;
      else if (rr.type === 'SRV') target = (rr.data as { target: string }).target;
      else if (rr.type === 'NS') target = rr.data as string;
      else continue;
      if (target === '' || seen.has(target) || !this.contains(target)) continue;
      seen.add(target);
      if (rr.type !== 'NS' && this.cutFor(target) !== null) continue;
      const node = this.nodes.get(target);
      if (node === undefined) continue;
      for (const code of [TYPE.A, TYPE.AAAA]) {
        for (const a of node.rrsets.get(code) ?? []) if (!answers.includes(a)) out.push(a);
      }
    }
    return out;
  }
}

/** The text of a zone file; a read failure becomes CDNS_ZONEFILE_READ. */
export function readZoneText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ZoneFileError('CDNS_ZONEFILE_READ', path, null,
      `cannot read the zone file: ${(e as Error).message}; expected a readable RFC 1035 master file`);
  }
}

function answer(name: string, type: string, ttl: number, data: unknown): Rr {
  const rr = { name, type, class: 'IN', ttl, data } as Rr;
  if (data !== null && typeof data === 'object' && !Buffer.isBuffer(data)) Object.freeze(data);
  return Object.freeze(rr);
}

function freezeSet(set: AnswerSet): AnswerSet {
  Object.freeze(set.answers);
  Object.freeze(set.authority);
  Object.freeze(set.additional);
  return Object.freeze(set);
}

/** RFC 2181 §5: an RRset holds no duplicate records; repeats in a file are dropped. */
function dedupe(records: ZoneRecord[]): ZoneRecord[] {
  const seen = new Set<string>();
  const out: ZoneRecord[] = [];
  for (const r of records) {
    const key = `${r.name}\0${r.type}\0${JSON.stringify(r.data)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}
