// Server-side search path completion (issue 12; CoreDNS `autopath @kubernetes`, SPEC §8).
//
// A pod's resolv.conf says `search <ns>.svc.<zone> svc.<zone> <zone> [node domains]` with
// ndots:5, so its lookup of `api.example.com` first asks `api.example.com.<ns>.svc.<zone>`.
// When that name does not exist in the cluster zone, this link walks the rest of the list
// here: `<base>.svc.<zone>`, `<base>.<zone>`, `<base>.<d>` for each search domain, then
// `<base>` itself, each through the whole chain (memo, cache, cluster zone, static zones,
// forwarder), and answers the first that is not NXDOMAIN with a CNAME from the asked name to
// the name that answered, then that name's records (CoreDNS's shape). All NXDOMAIN: the
// NXDOMAIN of the asked name, as without autopath. A failure (SERVFAIL, REFUSED) on the way is
// skipped, as CoreDNS does, and such a walk is not kept.
//
// Unlike CoreDNS, the namespace comes from the query name, not from the client's pod: no Pod
// watch, no memory per pod. With `verified` (CoreDNS's rule, `pods verified`) the client's
// address must also be a pod of that namespace.
//
// Cost (issue 12, "cheap"): the composed answer is encoded once and kept, valid for the cluster
// generation it was built in and for the shortest TTL it was built from, in the chain's answer
// cache under the asked key, so the next query for it is an ordinary cache hit. Without a
// cache (or with `verified`, where the answer depends on the client) it stays in a bounded
// memo here.
import * as dnsPacket from 'dns-packet';
import { RCODE } from '../dns/constants';
import { buildResponse, encodeAnswer, type EncodedAnswer, type QueryShape } from '../dns/encoded';
import { ParsedQuery, readQuery, ReadStatus } from '../dns/query';
import type { AnswerSet, Record } from '../dns/records';
import type { AutopathPlan } from '../config/plan';
import { normalizeIP } from '../cluster/ip';
import type { Peer } from './answer-links';
import { searchDomainsOf, walkableDomains } from './search-domains';

/** What autopath needs of the chain it sits in (resolver.ts). */
export interface AutopathChain {
  /** The full response to a query, through the whole chain (autopath itself stays out of it). */
  resolve(msg: Buffer, q: ParsedQuery, maxSize: number): Buffer | Promise<Buffer>;
  /**
   * Keep a composed answer where the next query for `key` looks first (the answer cache),
   * valid for `generation` and `ttlSeconds`. False when the chain has nowhere to keep it.
   */
  remember(key: string, generation: number, answer: EncodedAnswer, ttlSeconds: number): boolean;
}

export interface AutopathSettings {
  /** The cluster zone, lower case, no trailing dot. */
  zone: string;
  /** Domains walked after `<zone>`, in order (walkableDomains() applied). */
  search: string[];
  /** Namespaces whose names are walked; null = all. */
  namespaces: string[] | null;
  /** The client must be a pod of the namespace (CoreDNS `pods verified`). */
  verified: boolean;
}

export interface AutopathDeps {
  /**
   * Whether a namespace exists in the cluster view. A pod lives in an existing namespace, so a
   * name under any other `<ns>.svc.<zone>` is no pod's first search domain: not walked.
   */
  namespaceExists?: (namespace: string) => boolean;
  /** For `verified`: whether `ip` is the address of a pod of `namespace`. */
  podHasIP?: (namespace: string, ip: string) => boolean;
  /** A walk found an answer (coredns_autopath_success_total). */
  succeeded?: () => void;
  now?: () => number;
}

/** A composed answer and how long it holds. */
interface Walked {
  answer: EncodedAnswer;
  generation: number;
  storedAt: number;
  /** 0: not to be kept (a step failed, or a TTL of 0). */
  ttl: number;
  found: boolean;
}

/** Bound on the memo (a flood of distinct names must not grow memory without bound). */
const MAX_MEMO = 10_000;
/** RFC 1035 §2.3.4: 253 characters in presentation form. */
const MAX_NAME = 253;

export class Autopath {
  readonly settings: AutopathSettings;
  private readonly suffix: string;
  private readonly namespaces: Set<string> | null;
  private readonly memo = new Map<string, Walked>();
  private readonly inflight = new Map<string, Promise<Walked>>();
  /** > 0 while the chain answers a step of a walk: those queries are never walked again. */
  private depth = 0;
  private readonly now: () => number;

  constructor(
    settings: AutopathSettings,
    private readonly deps: AutopathDeps = {},
  ) {
    this.settings = { ...settings, search: walkableDomains(settings.search, settings.zone) };
    this.suffix = '.svc.' + settings.zone;
    this.namespaces = settings.namespaces ? new Set(settings.namespaces) : null;
    this.now = deps.now ?? Date.now;
    if (settings.verified && !deps.podHasIP) throw new Error('autopath: verified needs podHasIP');
  }

  /** `<base>.<ns>.svc.<zone>` split, or null for a name this link does not walk. */
  split(name: string): { base: string; ns: string } | null {
    if (!name.endsWith(this.suffix)) return null;
    const rest = name.slice(0, -this.suffix.length);
    const dot = rest.lastIndexOf('.');
    if (dot <= 0) return null; // `<ns>.svc.<zone>` alone: nothing to complete
    const ns = rest.slice(dot + 1);
    if (this.namespaces !== null && !this.namespaces.has(ns)) return null;
    if (this.deps.namespaceExists && !this.deps.namespaceExists(ns)) return null;
    return { base: rest.slice(0, dot), ns };
  }

  /** The names walked after the asked one, in order. */
  candidates(base: string): string[] {
    const z = this.settings.zone;
    const out = [`${base}.svc.${z}`, `${base}.${z}`];
    for (const d of this.settings.search) out.push(`${base}.${d}`);
    out.push(base);
    return out.filter((n) => n.length <= MAX_NAME);
  }

  /**
   * The response to `q`, whose name the cluster zone answered with `nx` (NXDOMAIN), or null
   * when this link does not apply (the chain then answers `nx` as usual).
   * @param peer the client (read only with `verified`; unknown: then `verified` never walks).
   */
  answer(chain: AutopathChain, msg: Buffer, q: ParsedQuery, nx: AnswerSet, generation: number, maxSize: number, peer?: Peer): Buffer | Promise<Buffer> | null {
    if (!q.plainName) return null;
    const at = this.split(q.name);
    if (at === null) return null;
    const verified = this.settings.verified;
    // A step of a walk is never walked itself; and with `verified` this client may not walk
    // where another may. Either way the NXDOMAIN is answered here, so that the chain does not
    // keep it under a name that a later query must be able to walk.
    if (this.depth > 0 || (verified && !this.clientIn(at.ns, peer))) {
      return buildResponse(msg, q, encodeAnswer(q.name, nx), maxSize);
    }
    const now = this.now();
    const kept = this.memo.get(q.key);
    if (kept !== undefined && kept.generation === generation && now < kept.storedAt + kept.ttl * 1000) {
      return buildResponse(msg, q, kept.answer, maxSize, Math.floor((now - kept.storedAt) / 1000));
    }
    const key = q.key;
    const name = q.name;
    const qtype = q.qtype;
    const shared = this.inflight.get(key);
    if (shared !== undefined) {
      const shape = copyShape(q);
      return shared.then((w) => buildResponse(msg, shape, w.answer, maxSize));
    }
    const w = this.walk(chain, name, qtype, this.candidates(at.base), nx, generation);
    if (!(w instanceof Promise)) return buildResponse(msg, q, this.keep(chain, key, w, verified).answer, maxSize);
    const shape = copyShape(q);
    const p = w.then((x) => this.keep(chain, key, x, verified));
    this.inflight.set(key, p);
    const settle = () => this.inflight.delete(key);
    p.then(settle, settle);
    return p.then((x) => buildResponse(msg, shape, x.answer, maxSize));
  }

  /** CoreDNS's `pods verified` rule: the client is a pod of the namespace. */
  private clientIn(ns: string, peer: Peer | undefined): boolean {
    let addr = typeof peer?.address === 'string' ? peer.address : peer?.remoteAddress ?? '';
    // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d.
    if (addr.startsWith('::ffff:') && addr.includes('.')) addr = addr.slice(7);
    const ip = addr === '' ? '' : normalizeIP(addr);
    return ip !== '' && this.deps.podHasIP!(ns, ip);
  }

  /** Drops every kept walk (a reload of the settings). */
  clear(): void {
    this.memo.clear();
  }

  private keep(chain: AutopathChain, key: string, w: Walked, verified: boolean): Walked {
    if (w.found) this.deps.succeeded?.();
    if (w.ttl <= 0) return w;
    // With `verified` the answer depends on the client: only this link, after its check, may serve it.
    if (!verified && chain.remember(key, w.generation, w.answer, w.ttl)) return w;
    if (this.memo.size >= MAX_MEMO) this.memo.clear();
    this.memo.set(key, w);
    return w;
  }

  /** Asks each candidate in turn; synchronous as long as the chain answers synchronously. */
  private walk(chain: AutopathChain, name: string, qtype: number, names: string[], nx: AnswerSet, generation: number): Walked | Promise<Walked> {
    const state = { ttl: negativeTtl(nx), failed: false };
    const from = (i: number): Walked | Promise<Walked> => {
      for (; i < names.length; i++) {
        const r = this.ask(chain, names[i], qtype);
        if (r instanceof Promise) {
          const at = i;
          return r.then(
            (b) => this.consider(b, name, names[at], state, generation) ?? from(at + 1),
            () => {
              state.failed = true;
              return from(at + 1);
            },
          );
        }
        const done = this.consider(r, name, names[i], state, generation);
        if (done !== null) return done;
      }
      return { answer: encodeAnswer(name, nx), generation, storedAt: this.now(), ttl: state.failed ? 0 : state.ttl, found: false };
    };
    return from(0);
  }

  private ask(chain: AutopathChain, name: string, qtype: number): Buffer | Promise<Buffer> {
    const msg = queryFor(name, qtype);
    const q = new ParsedQuery();
    if (readQuery(msg, q) !== ReadStatus.OK) return Promise.reject(new Error(`autopath: cannot ask ${name}`));
    this.depth++;
    try {
      return chain.resolve(msg, q, 65535);
    } finally {
      this.depth--;
    }
  }

  /** The composed answer when `reply` (for `target`) ends the walk; null to go on. */
  private consider(reply: Buffer, asked: string, target: string, state: { ttl: number; failed: boolean }, generation: number): Walked | null {
    const rcode = reply[3] & 0xf;
    if (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN) {
      state.failed = true;
      return null;
    }
    const p = dnsPacket.decode(reply);
    const answers = (p.answers ?? []) as unknown as Record[];
    const authority = (p.authorities ?? []) as unknown as Record[];
    const additional = ((p.additionals ?? []) as unknown as Record[]).filter((r) => r.type !== 'OPT');
    if (rcode === RCODE.NXDOMAIN) {
      // That name's absence holds for its negative TTL only (RFC 2308 §5).
      state.ttl = Math.min(state.ttl, negativeTtl({ rcode, authoritative: false, answers, authority, additional }));
      return null;
    }
    // The CNAME lives as long as the shortest of: the asked name's absence, and what it points at.
    let ttl = state.ttl;
    for (const r of answers) ttl = Math.min(ttl, r.ttl ?? 0);
    if (answers.length === 0) ttl = Math.min(ttl, negativeTtl({ rcode, authoritative: false, answers, authority, additional }));
    const cname: Record = { name: asked, type: 'CNAME', class: 'IN', ttl, data: target };
    const set: AnswerSet = { rcode, authoritative: (reply[2] & 0x04) !== 0, answers: [cname, ...answers], authority, additional };
    return { answer: encodeAnswer(asked, set), generation, storedAt: this.now(), ttl: state.failed ? 0 : ttl, found: true };
  }
}

/**
 * The link a server block's chain calls, from the Corefile's `autopath @kubernetes` (or the
 * flags): the search domains are read here, once (STYLE rule 9).
 * @param resolvConf the file whose `search` line is walked when the plan gives none.
 */
export function autopathFromPlan(plan: AutopathPlan, resolvConf: string, deps: AutopathDeps = {}): Autopath {
  return new Autopath(
    {
      zone: plan.zone.toLowerCase().replace(/\.$/, ''),
      search: plan.searchDomains ?? searchDomainsOf(resolvConf),
      namespaces: plan.namespaces ?? null,
      verified: plan.verified,
    },
    deps,
  );
}

/** RFC 2308 §5: min(SOA TTL, SOA minimum) of a negative answer; 0 without an SOA. */
function negativeTtl(set: AnswerSet): number {
  for (const r of set.authority) {
    if (r.type === 'SOA') return Math.min(r.ttl ?? 0, (r.data as { minimum: number }).minimum);
  }
  return 0;
}

function copyShape(q: ParsedQuery): QueryShape {
  return { questionEnd: q.questionEnd, edns: q.edns, opcode: q.opcode, flags: q.flags };
}

/** A recursive query (RD) for one step of the walk. */
function queryFor(name: string, qtype: number): Buffer {
  const q = Buffer.alloc(12 + (name === '' ? 1 : Buffer.byteLength(name, 'latin1') + 2) + 4);
  q.writeUInt16BE(0x0100, 2);
  q.writeUInt16BE(1, 4);
  let at = 12;
  if (name !== '') {
    for (const l of name.split('.')) {
      q[at++] = l.length;
      at += q.write(l, at, 'latin1');
    }
  }
  q[at++] = 0;
  q.writeUInt16BE(qtype, at);
  q.writeUInt16BE(1, at + 2);
  return q;
}
