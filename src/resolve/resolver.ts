// The chain a query walks (DESIGN §2, resolve/): local memo -> cache -> cluster zone ->
// static zones -> forwarder. Each link answers or passes; only the forwarder is async
// (STYLE rule 6). The chain is built once: absent links are null checks decided at start,
// and nothing here reads options per query (STYLE rule 4). See resolve/README.md for the
// rcode each outcome gets.
import * as dnsPacket from 'dns-packet';
import { CLASS_IN, RCODE, TYPE } from '../dns/constants';
import { buildResponse, encodeAnswer, REFUSED, SERVFAIL, type EncodedAnswer, type QueryShape } from '../dns/encoded';
import type { AnswerSet, Record } from '../dns/records';
import { cacheKey, type ParsedQuery } from '../dns/query';
import type { ChasedAnswer } from '../cluster/context';
import type { AnswerCache, CacheEntry } from './cache';
import { answerFromWire } from './from-wire';
import { ANY_CHANGE, LocalAnswers } from './local';
import type { TouchListener } from '../cluster/deps';
import type { Autopath, AutopathChain } from './autopath';
import type { StorePolicy } from './cache-plan';
import { queryInfo, type AnswerLinks, type Peer } from './answer-links';
import type { RewriteLink } from '../plugins/types';
import { viaRewrite } from './rewrite-step';

/** Where an answer came from; the metrics `plugin` label (SPEC §5). */
export const enum Source {
  CACHE = 0,
  KUBERNETES = 1,
  FILE = 2,
  FORWARD = 3,
  ERROR = 4,
}

export interface LocalZone {
  answer(name: string, qtype: number): ChasedAnswer | null;
  /**
   * Whether the zone could answer this name after a change of the view, though it passed it
   * on now (reverse names under the default catch-all): an upstream answer for such a name is
   * cached only for the current generation.
   */
  claims(name: string): boolean;
  /**
   * Tags each change of the view touched (issue 11): the memo drops the answers whose `deps`
   * hold one. A zone without it has its answers dropped by every generation instead.
   */
  onTouched?(fn: TouchListener): () => void;
}
export interface StaticZones {
  /** The zone serving the name, or null. */
  find(name: string): { lookup(name: string, qtype: number): AnswerSet } | null;
}
export interface ForwardPath {
  /** Full upstream response for the query, or a rejection with `.code` (upstream/README.md). */
  resolve(query: Buffer, qnameLower: string, qtype: number): Promise<Buffer>;
  /** False for a name whose every query must reach resolve() (the loop probe). */
  shareable?(qnameLower: string): boolean;
}


export interface ResolverParts {
  cluster: LocalZone | null;
  zones: StaticZones | null;
  forwarder: ForwardPath | null;
  cache: AnswerCache | null;
  /** Which names the forwarder takes (`forward FROM`, `except`); null: every name. */
  forwards?: ((name: string) => boolean) | null;
  /** The chain of the block that serves a name on the same address (chased CNAME targets). */
  blockFor?: (name: string) => Resolver | null;
  /** Which answers the cache may keep (`cache ZONES`, `disable`); null: all. */
  storable?: StorePolicy;
  /** `rewrite`: the question is changed before the links below, the answer mapped back. */
  rewrite?: RewriteLink | null;
  /** any, template, hosts (CoreDNS order): asked before the cluster zone; null = none. */
  answerLinks?: AnswerLinks | null;
  /** whoami: asked when nothing before it answered and nothing is forwarded; null = none. */
  lastLinks?: AnswerLinks | null;
  /** `loadbalance`: rotate the A/AAAA records of each NOERROR response (dns/encoded.ts). */
  loadbalance?: boolean;
  /** Issue 12: server-side search path completion; null = off. */
  autopath?: Autopath | null;
  /** Moves whenever the cluster view or a static zone changes. */
  generation: () => number;
  /**
   * Moves when every memoised local answer must go (static zone reload, config reload); the
   * cluster's own changes then drop only what they touched (cluster.onTouched). Absent, or
   * with a cluster zone that cannot say what a change touched: `generation` (every change
   * drops the memo).
   */
  localEpoch?: () => number;
  maxLocalAnswers?: number;
  now?: () => number;
}

/** An answer other threads may reuse (Resolver.reusable). */
export interface Reusable {
  answer: EncodedAnswer;
  /**
   * The generation it is valid for; 0: any (a forwarded answer, or a local one whose memo
   * reports its drops through LocalAnswers.onDrop).
   */
  generation: number;
  /** ms since epoch: when a cached answer was stored (its TTLs count down from here); 0 for local answers. */
  storedAt: number;
  /** ms since epoch; Infinity for local answers. */
  expiresAt: number;
  /** Rotate A/AAAA records per response, as this chain does (`loadbalance`). */
  shuffle: boolean;
}

/** RFC 8767 §4: stale answers go out with a 30 s TTL. */
const STALE_TTL = 30;
/** Bound on CNAME hops inside our own zones (RFC 1034 §3.6.2 loop protection). */
const MAX_CHASE = 8;

export class Resolver implements AutopathChain {
  /** Source of the last answer returned synchronously (read by server/ for metrics). */
  source: Source = Source.CACHE;
  private readonly local: LocalAnswers;
  private readonly inflight = new Map<string, Promise<CacheEntry | null>>();
  private readonly now: () => number;
  /** `loadbalance`, fixed for the chain's life (STYLE rule 9). */
  readonly lb: boolean;
  /** True while the rewritten question walks this chain (the rules apply once). */
  private inRewrite = false;
  private readonly epoch: () => number;
  private readonly unwatch: (() => void) | null;

  constructor(private readonly parts: ResolverParts) {
    this.local = new LocalAnswers(parts.maxLocalAnswers ?? 100_000);
    this.now = parts.now ?? Date.now;
    this.lb = parts.loadbalance === true;
    const byTag = parts.localEpoch !== undefined && (parts.cluster === null || parts.cluster.onTouched !== undefined);
    const base = byTag ? parts.localEpoch! : parts.generation;
    // Memoised plugin answers die when a plugin's data changes (a hosts file re-read).
    const links = parts.answerLinks;
    this.epoch = links ? () => base() + 65536 * links.version() : base;
    this.unwatch = byTag && parts.cluster ? parts.cluster.onTouched!((t, serial) => this.local.invalidate(t, serial)) : null;
  }

  /** The memo of local answers (its onDrop observer: resolve/local.ts). */
  get localAnswers(): LocalAnswers {
    return this.local;
  }

  /** This resolver was swapped out (config reload): stop following the view, drop the memo. */
  close(): void {
    this.parts.answerLinks?.close();
    this.unwatch?.();
    this.local.clear();
  }

  /** Set by the composition root once every block of the address is built. */
  setBlockFor(fn: (name: string) => Resolver | null): void {
    this.parts.blockFor = fn;
  }

  /**
   * The cached or forwarded answer for a name no local zone of this block holds (a chased
   * CNAME target). Rejects when there is no forwarder for it or the upstreams fail.
   */
  externalEntry(target: string, qtype: number, gen: number): Promise<CacheEntry> {
    // The same key a client's own query for the target has: one cache for both.
    const key = cacheKey(target, qtype);
    const hit = this.parts.cache?.peek(key);
    const fresh = hit !== undefined && this.now() < hit.expiresAt && (hit.generation === 0 || hit.generation === gen);
    if (fresh) return Promise.resolve(hit);
    if (this.parts.forwarder === null || (this.parts.forwards && !this.parts.forwards(target))) return Promise.reject(new Error(`no forwarder in this block for ${target}`));
    return this.forwardEntry(queryFor(target, qtype), key, target, qtype, 12 + nameLen(target) + 4);
  }

  /**
   * The response to a parsed query. Synchronous for everything answered here; a promise only
   * when an upstream must be asked. `maxSize`: the client's UDP limit, or 65535 over TCP.
   */
  resolve(msg: Buffer, q: ParsedQuery, maxSize: number, peer?: Peer): Buffer | Promise<Buffer> {
    // SPEC §3: class other than IN, and zone transfers, are refused.
    if (q.qclass !== CLASS_IN || q.qtype === TYPE.AXFR || q.qtype === TYPE.IXFR) {
      this.source = Source.ERROR;
      return buildResponse(msg, q, REFUSED, maxSize);
    }
    const epoch = this.epoch();
    const hit = this.local.get(q.key, epoch);
    if (hit !== undefined) {
      this.source = Source.CACHE;
      return buildResponse(msg, q, hit, maxSize, 0, this.lb);
    }
    const gen = this.parts.generation();
    const cache = this.parts.cache;
    if (cache) {
      const e = cache.peek(q.key);
      const now = this.now();
      if (e !== undefined && now < e.expiresAt && (e.generation === 0 || e.generation === gen)) {
        e.hits++;
        cache.hits++;
        this.source = Source.CACHE;
        this.maybePrefetch(msg, q, e, now);
        return buildResponse(msg, q, e.answer, maxSize, Math.floor((now - e.storedAt) / 1000), this.lb);
      }
      // serve_stale immediate (RFC 8767 §5): the expired answer now, a refresh behind it.
      if (e !== undefined && cache.staleImmediate && cache.staleUsable(e, now) && this.parts.forwarder !== null) {
        cache.hits++;
        cache.servedStale++;
        this.source = Source.CACHE;
        if (!this.inflight.has(q.key)) this.forwardEntry(Buffer.from(msg), q.key, q.name, q.qtype, q.questionEnd).catch(() => undefined);
        return buildResponse(msg, q, withTtl(e.answer, STALE_TTL), maxSize, 0, this.lb);
      }
      cache.misses++;
    }
    const rw = this.parts.rewrite;
    if (rw && !this.inRewrite) {
      const r = rw.rewrite(queryInfo(q, peer, maxSize === 65535));
      if (r !== null) {
        this.inRewrite = true;
        try {
          return viaRewrite(this, msg, q, r, maxSize, peer);
        } finally {
          this.inRewrite = false;
        }
      }
    }
    const links = this.parts.answerLinks;
    if (links) {
      // maxSize is 65535 only over TCP (server/handler.ts).
      const a = links.answer(q, peer, maxSize === 65535);
      if (a !== null) {
        this.source = Source.FILE;
        if (a.memoizable) return this.localAnswer(msg, q, a.set, epoch, maxSize, []);
        return buildResponse(msg, q, encodeAnswer(q.name, a.set), maxSize, 0, this.lb);
      }
    }
    if (q.plainName) {
      const cluster = this.parts.cluster?.answer(q.name, q.qtype) ?? null;
      if (cluster !== null) {
        if (cluster.rcode === RCODE.NXDOMAIN && this.parts.autopath) {
          const walked = this.parts.autopath.answer(this, msg, q, cluster, gen, maxSize, peer);
          if (walked !== null) {
            this.source = walked instanceof Promise ? Source.FORWARD : Source.KUBERNETES;
            return walked;
          }
        }
        this.source = Source.KUBERNETES;
        if (cluster.chase === undefined) return this.localAnswer(msg, q, cluster, epoch, maxSize, cluster.deps ?? [ANY_CHANGE]);
        return this.chase(msg, copyShape(q), q.key, q.name, q.qtype, cluster, gen, maxSize);
      }
      const zone = this.parts.zones?.find(q.name) ?? null;
      if (zone !== null) {
        this.source = Source.FILE;
        return this.localAnswer(msg, q, zone.lookup(q.name, q.qtype), epoch, maxSize);
      }
    }
    if (this.parts.forwarder === null || (this.parts.forwards && !this.parts.forwards(q.name))) {
      const last = this.parts.lastLinks?.answer(q, peer, maxSize === 65535) ?? null;
      if (last !== null) {
        this.source = Source.FILE;
        return buildResponse(msg, q, encodeAnswer(q.name, last.set), maxSize, 0, this.lb);
      }
      this.source = Source.ERROR;
      return buildResponse(msg, q, REFUSED, maxSize);
    }
    this.source = Source.FORWARD;
    const shape = copyShape(q);
    const passedOn = this.parts.cluster?.claims(q.name) ? gen : 0;
    return this.forwardEntry(msg, q.key, q.name, q.qtype, shape.questionEnd, passedOn).then(
      (e) => buildResponse(msg, shape, e.answer, maxSize, Math.floor((this.now() - e.storedAt) / 1000), this.lb),
      (err: { code?: string; stale?: CacheEntry }) => {
        if (err.stale) {
          this.parts.cache!.servedStale++;
          return buildResponse(msg, shape, withTtl(err.stale.answer, STALE_TTL), maxSize, 0, this.lb);
        }
        return buildResponse(msg, shape, err.code === 'CDNS_UPSTREAM_OVERLOADED' ? REFUSED : SERVFAIL, maxSize);
      },
    );
  }

  /**
   * The answer the chain now holds for `key`, when any client may be given it: a memoised
   * local answer or a fresh cached one. The UDP threads of --workers N keep it in their own
   * memo after asking the main thread (server/threads.ts). Answers that depend on the client
   * are never in the memo or the cache (this thread would give them to anyone), so never here.
   */
  reusable(key: string): Reusable | null {
    const epoch = this.epoch();
    const hit = this.local.get(key, epoch);
    const gen = this.parts.generation();
    // Memo entries dropped by dependency are valid until the memo says it dropped them
    // (LocalAnswers.onDrop); with a memo keyed to the generation, until the generation moves.
    if (hit !== undefined) return { answer: hit, generation: this.epoch === this.parts.generation ? gen : 0, storedAt: 0, expiresAt: Infinity, shuffle: this.lb };
    const e = this.parts.cache?.peek(key);
    if (e === undefined || this.now() >= e.expiresAt || (e.generation !== 0 && e.generation !== gen)) return null;
    return { answer: e.answer, generation: e.generation, storedAt: e.storedAt, expiresAt: e.expiresAt, shuffle: this.lb };
  }

  /** autopath.ts: a composed answer, kept in the cache for its generation and TTL. */
  remember(key: string, generation: number, answer: EncodedAnswer, ttlSeconds: number): boolean {
    if (this.parts.cache === null || ttlSeconds <= 0) return false;
    this.parts.cache.store(key, answer, generation, ttlSeconds, this.now());
    return true;
  }

  private localAnswer(msg: Buffer, q: ParsedQuery, set: AnswerSet, epoch: number, maxSize: number, deps?: readonly string[]): Buffer {
    const enc = encodeAnswer(q.name, set);
    this.local.set(q.key, epoch, enc, deps);
    return buildResponse(msg, q, enc, maxSize, 0, this.lb);
  }

  /**
   * Ask the upstreams (once per key at a time: concurrent identical questions share one
   * upstream exchange) and cache the result. Rejects with {code} or {stale} (serve-stale).
   */
  private forwardEntry(msg: Buffer, key: string, name: string, qtype: number, questionEnd: number, generation = 0): Promise<CacheEntry> {
    const fw = this.parts.forwarder!;
    let p = fw.shareable === undefined || fw.shareable(name) ? this.inflight.get(key) : undefined;
    if (p === undefined) {
      p = fw.resolve(msg, name, qtype).then(
        (reply) => this.storeForwarded(key, name, reply, questionEnd, generation),
        (err: { code?: string }) => {
          const stale = this.staleEntry(key);
          throw stale ? { code: err.code, stale } : err;
        },
      );
      const settle = () => this.inflight.delete(key);
      p.then(settle, settle);
      this.inflight.set(key, p);
    }
    return p.then((e) => {
      if (e === null) throw { code: 'CDNS_UPSTREAM_BAD_REPLY' };
      return e;
    });
  }

  /**
   * @param generation 0 for names no local zone could ever answer; the local generation for
   *   names a local zone passed on (reverse names under the catch-all): a Service taking that
   *   address later must not stay hidden behind the cached upstream answer.
   */
  private storeForwarded(key: string, name: string, reply: Buffer, questionEnd: number, generation: number): CacheEntry | null {
    const cache = this.parts.cache;
    const w = cache ? answerFromWire(reply, questionEnd, cache.successMin, cache.successMax, cache.denialMin, cache.denialMax) : answerFromWire(reply, questionEnd, 0, 0x7fffffff);
    if (w === null) return null;
    const now = this.now();
    const entry: CacheEntry = { answer: w.answer, generation, storedAt: now, expiresAt: now, hits: 0, ttl: 0 };
    if (cache && w.cacheTtl >= 0) {
      // SERVFAIL and negative answers without an SOA are not cached (RFC 2308 §5).
      if (w.answer.rcode === RCODE.SERVFAIL) return entry;
      if (this.parts.storable && !this.parts.storable(name, w.negative)) return entry;
      return cache.store(key, w.answer, generation, cache.clampTtl(w.cacheTtl, w.negative), now);
    }
    return entry;
  }

  private staleEntry(key: string): CacheEntry | undefined {
    const cache = this.parts.cache;
    if (!cache || cache.staleMs <= 0) return undefined;
    const e = cache.peek(key);
    return e !== undefined && cache.staleUsable(e, this.now()) ? e : undefined;
  }

  /** Refresh a popular entry before it expires (issue 4: prefetch), in the background. */
  private maybePrefetch(msg: Buffer, q: ParsedQuery, e: CacheEntry, now: number): void {
    // resolve/cache.ts prefetchDue: AMOUNT hits within DURATION, under PERCENTAGE % of the TTL left.
    if (this.parts.forwarder === null || !this.parts.cache!.prefetchDue(e, now)) return;
    if (this.inflight.has(q.key)) return;
    this.forwardEntry(Buffer.from(msg), q.key, q.name, q.qtype, q.questionEnd).catch(() => undefined);
  }

  /**
   * SPEC §2, ExternalName: CNAME first, then the target's records, found through the same
   * path as any other name (our zones, the cache, the upstreams).
   */
  private async chase(msg: Buffer, shape: QueryShape, key: string, qname: string, qtype: number, first: ChasedAnswer, gen: number, maxSize: number): Promise<Buffer> {
    const answers: Record[] = [...first.answers];
    // Memoised only when every hop was local; then the answer depends on every hop's facts.
    const epoch = this.epoch();
    const deps: string[] = [...(first.deps ?? [ANY_CHANGE])];
    let target = first.chase!;
    let rcode: number = RCODE.NOERROR;
    let authority: Record[] = [];
    let ttl = Infinity;
    let external = false;
    const visited = new Set<string>([qname]);
    for (let hop = 0; hop < MAX_CHASE; hop++) {
      // RFC 1034 §3.6.2: a CNAME loop ends the chase (and no record is repeated, RFC 2181 §5).
      if (visited.has(target)) break;
      visited.add(target);
      const inCluster = this.parts.cluster?.answer(target, qtype) ?? null;
      if (inCluster !== null) deps.push(...(inCluster.deps ?? [ANY_CHANGE]));
      const local = inCluster ?? this.parts.zones?.find(target)?.lookup(target, qtype) ?? null;
      if (local !== null) {
        answers.push(...local.answers);
        rcode = local.rcode;
        authority = local.authority;
        const next = (local as ChasedAnswer).chase;
        if (next === undefined) break;
        target = next;
        continue;
      }
      external = true;
      try {
        // The target is asked as a client's query for it would be: through the block that
        // serves it on this address (CoreDNS's upstream lookup re-enters the server).
        const e = await (this.parts.blockFor?.(target) ?? this).externalEntry(target, qtype, gen);
        const decoded = dnsPacket.decode(buildResponse(queryFor(target, qtype), { questionEnd: 12 + nameLen(target) + 4, edns: false, opcode: 0, flags: 0 }, e.answer, 65535));
        answers.push(...(decoded.answers ?? []).map(toRecord));
        authority = (decoded.authorities ?? []).map(toRecord);
        rcode = e.answer.rcode;
        ttl = Math.min(ttl, Math.max(0, Math.floor((e.expiresAt - this.now()) / 1000)));
      } catch {
        rcode = RCODE.SERVFAIL;
        ttl = 0;
      }
      break;
    }
    const set: AnswerSet = { rcode, authoritative: true, answers, authority, additional: [] };
    const enc = encodeAnswer(qname, set);
    if (!external) this.local.set(key, epoch, enc, deps);
    else if (this.parts.cache && rcode !== RCODE.SERVFAIL && ttl > 0 && (!this.parts.storable || this.parts.storable(qname, rcode !== RCODE.NOERROR || answers.length === 0))) {
      this.parts.cache.store(key, enc, gen, Math.min(ttl, first.answers[0]?.ttl ?? ttl), this.now());
    }
    return buildResponse(msg, shape, enc, maxSize, 0, this.lb);
  }
}

function copyShape(q: ParsedQuery): QueryShape {
  return { questionEnd: q.questionEnd, edns: q.edns, opcode: q.opcode, flags: q.flags };
}

function withTtl(a: EncodedAnswer, ttl: number): EncodedAnswer {
  const body = Buffer.from(a.body);
  for (const off of a.ttlOffsets) if (off + 4 <= body.length) body.writeUInt32BE(ttl, off);
  return { ...a, body };
}

function nameLen(name: string): number {
  return name === '' ? 1 : Buffer.byteLength(name, 'latin1') + 2;
}

/** A recursive query (RD) for a chased name; written by hand so any numeric type goes out as is. */
function queryFor(name: string, qtype: number): Buffer {
  const labels = name === '' ? [] : name.split('.');
  const q = Buffer.alloc(12 + nameLen(name) + 4);
  q.writeUInt16BE(0x0100, 2); // RD
  q.writeUInt16BE(1, 4);
  let at = 12;
  for (const l of labels) {
    q[at++] = l.length;
    at += q.write(l, at, 'latin1');
  }
  q[at++] = 0;
  q.writeUInt16BE(qtype, at);
  q.writeUInt16BE(CLASS_IN, at + 2);
  return q;
}

function toRecord(a: dnsPacket.Answer): Record {
  return a as unknown as Record;
}
