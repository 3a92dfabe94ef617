// The forwarder: the last link of the query chain, for names this server does not answer
// (SPEC §4). It picks the upstream set (stub domain or default), tries its upstreams in policy
// order, one UDP attempt each (plus a TCP retry of a truncated answer), and resolves with the
// upstream's answer under the client's ID, or rejects with an UpstreamError the caller maps to
// an rcode (errors.ts). See README.md for the behaviour as a whole.

import { performance } from 'node:perf_hooks';
import type { HostPort, StubDomain, UpstreamPolicy } from '../config/options';
import { TYPE, typeName } from '../dns/constants';
import { sharedError, UpstreamError } from './errors';
import { Exchanger, type ExchangeHost } from './exchange';
import { type FailReason, Flight, KIND_PROBE, KIND_QUERY, PROTO_UDP } from './flight';
import { Health } from './health';
import { bindObserver, type ForwarderObserver } from './observer';
import { LOOP_QTYPE, LOOP_SIGHTINGS, loopMessage, loopProbeName, NO_LOOP_NAME } from './loop';
import { orderFor, type OrderFn } from './policy';
import { randomId } from './random-id';
import { checkInt, checkPolicy, UpstreamRegistry } from './setup';
import { buildRouter, type Router } from './stub-domains';
import { matcherFor } from './forward-zone';
import type { Upstream } from './upstream';
import { buildQuery, isTruncated, questionEnd, rcodeOf } from './wire';

export type { ForwarderObserver } from './observer';

export interface ForwarderOptions {
  upstream: HostPort[];
  stubDomains: StubDomain[];
  policy: UpstreamPolicy;
  /** Per-attempt read timeout, ms (SPEC §4: 2000). */
  timeoutMs: number;
  /** Queries in flight at most; more are rejected OVERLOADED at once. */
  maxConcurrent: number;
  /** Consecutive failures that mark an upstream down; 0 = never (CoreDNS: 2). */
  maxFails?: number;
  /** Probe interval of a down upstream, ms (CoreDNS: 500). */
  healthCheckIntervalMs?: number;
  observer?: ForwarderObserver;
  /** Called once when the loop probe proves a forwarding loop; the caller logs and exits. */
  onLoop?: (message: string) => void;
  /** UDP sockets per upstream (udp-lane.ts). Default 4. */
  udpSocketsPerUpstream?: number;
  /** A UDP socket is replaced after this many queries (new source port). Default 100. */
  udpSocketMaxQueries?: number;
  /** ... or after this long, ms. Default 10000 (CoreDNS `expire`). */
  udpSocketMaxAgeMs?: number;
  /** Granularity of the timeout clock, ms. Default timeoutMs/20 within 5..100. */
  tickMs?: number;
  /**
   * Corefile `forward FROM`: only names at or under this zone are forwarded ('' = all, the
   * default). Lower case, no trailing dot.
   */
  from?: string;
  /** Corefile `except`: names at or under these zones are not forwarded. */
  except?: string[];
  /** Corefile `force_tcp`: every attempt, and the health probe, over TCP. */
  forceTcp?: boolean;
  /**
   * Corefile `prefer_udp`: ask over UDP first even when the client asked over TCP (a
   * truncated answer is then asked again over TCP). False: a TCP client's question goes over
   * TCP, as CoreDNS does without the option. Default true (the flags and YAML behaviour).
   */
  preferUdp?: boolean;
}

const noop = (): void => {};


const OVERLOADED = sharedError('CDNS_UPSTREAM_OVERLOADED', 'too many upstream queries in flight (maxConcurrent); answer REFUSED');
const CLOSED = sharedError('CDNS_UPSTREAM_CLOSED', 'the forwarder is closed');
const HEALTH_PROBE = buildQuery('', TYPE.NS);
const HEALTH_PROBE_QEND = questionEnd(HEALTH_PROBE, HEALTH_PROBE.length);
const NOT_FORWARDED = sharedError('CDNS_UPSTREAM_NOT_FORWARDED', 'the name is outside the forward zone or under an except zone');

export class Forwarder implements ExchangeHost {
  private readonly obs: Required<ForwarderObserver>;
  private readonly route: Router;
  private readonly order: OrderFn;
  private readonly ex: Exchanger;
  private readonly health: Health;
  private readonly upstreams: Upstream[];
  private readonly maxConcurrent: number;
  private readonly onLoop: (message: string) => void;
  private readonly match: ((qnameLower: string) => boolean) | null;
  private readonly forceTcp: boolean;
  private readonly preferUdp: boolean;
  private readonly free: Flight[] = [];
  private inflight = 0;
  private closed = false;
  private loopName = NO_LOOP_NAME;

  /**
   * Whether concurrent identical questions may share one upstream exchange: not the loop
   * probe, whose every return must be seen here to be counted (upstream/loop.ts).
   */
  shareable(qnameLower: string): boolean {
    return qnameLower !== this.loopName;
  }
  private loopSeen = 0;
  private loopError: UpstreamError = CLOSED;

  constructor(opts: ForwarderOptions) {
    const timeoutMs = checkInt('timeoutMs', opts.timeoutMs, 1, 60_000);
    this.maxConcurrent = checkInt('maxConcurrent', opts.maxConcurrent, 1);
    const reg = new UpstreamRegistry(checkInt('udpSocketsPerUpstream', opts.udpSocketsPerUpstream ?? 4, 1, 64));
    const defaults = reg.set('upstream', opts.upstream);
    this.route = buildRouter(defaults, reg.stubs(opts.stubDomains));
    this.upstreams = [...reg.all.values()];
    this.order = orderFor(checkPolicy(opts.policy));
    this.obs = bindObserver(opts.observer);
    this.onLoop = opts.onLoop ?? noop;
    this.match = matcherFor(opts.from ?? '', opts.except ?? []);
    this.forceTcp = opts.forceTcp ?? false;
    this.preferUdp = opts.preferUdp ?? true;
    this.ex = new Exchanger(
      {
        timeoutMs,
        tickMs: checkInt('tickMs', opts.tickMs ?? Math.min(100, Math.max(5, Math.round(timeoutMs / 20))), 1, 1000),
        laneMaxQueries: checkInt('udpSocketMaxQueries', opts.udpSocketMaxQueries ?? 100, 1),
        laneMaxAgeMs: checkInt('udpSocketMaxAgeMs', opts.udpSocketMaxAgeMs ?? 10_000, 1),
      },
      this,
    );
    this.health = new Health(
      checkInt('maxFails', opts.maxFails ?? 2, 0),
      checkInt('healthCheckIntervalMs', opts.healthCheckIntervalMs ?? 500, 1),
      {
        probe: (up) => this.probeHealth(up),
        changed: (up, ok) => this.obs.healthy(up.key, ok),
        probeFailed: (up) => this.obs.healthcheckFailure(up.key),
      },
    );
  }

  /**
   * Forward `query` (the client's wire query, header + one question + maybe OPT, as received;
   * not modified). `qnameLower`: the question name in lower case without the trailing dot.
   * Resolves to the upstream's whole answer with the client's ID; rejects with UpstreamError
   * CDNS_UPSTREAM_ALL_FAILED (answer SERVFAIL), _OVERLOADED (REFUSED), _LOOP (SERVFAIL),
   * _CLOSED (SERVFAIL) or _BAD_QUERY (FORMERR; the caller should not have passed it on).
   */
  resolve(query: Buffer, qnameLower: string, qtype: number, clientTcp = false): Promise<Buffer> {
    // loop.ts: the one compare loop detection costs every query.
    if (qnameLower === this.loopName && ++this.loopSeen >= LOOP_SIGHTINGS) return this.loopFound();
    if (this.match !== null && !this.match(qnameLower)) return Promise.reject(NOT_FORWARDED);
    return this.forward(query, qnameLower, qtype, clientTcp);
  }

  /**
   * Whether this forwarder takes the name (Corefile `forward FROM ... { except ZONES }`); a
   * chain passes the names it does not take to the next link, as CoreDNS's forward does.
   */
  matches(qnameLower: string): boolean {
    return this.match === null || this.match(qnameLower);
  }

  /**
   * Send the loop probe (loop.ts) through the normal path. Resolves when it is answered or has
   * failed for any other reason; rejects with CDNS_UPSTREAM_LOOP (after calling onLoop) when
   * the probe came back to this server.
   */
  async probeLoop(): Promise<void> {
    const name = loopProbeName();
    this.loopName = name;
    this.loopSeen = 0;
    this.loopError = sharedError('CDNS_UPSTREAM_LOOP', loopMessage(name, this.upstreams.map((u) => u.key)));
    const q = buildQuery(name, LOOP_QTYPE);
    q.writeUInt16BE(randomId(), 0);
    try {
      await this.forward(q, name, LOOP_QTYPE);
    } catch {
      // ALL_FAILED or OVERLOADED says nothing about a loop; a loop is judged by the count.
    }
    if (this.loopSeen >= LOOP_SIGHTINGS) throw this.loopError;
  }

  /** Release every socket and timer; queries in flight are rejected CDNS_UPSTREAM_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health.stop();
    this.ex.drain((f) => this.settleClosed(f));
    await this.ex.close();
    // libuv frees closed handles in the close phase, which follows the check phase: after two
    // setImmediate turns every UDP and TCP handle of ours is gone, so a caller that counts
    // handles (tests) or exits right away sees none.
    await new Promise<void>((r) => setImmediate(r));
    await new Promise<void>((r) => setImmediate(r));
  }

  /** Queries in flight (not counting health probes). */
  get inFlight(): number {
    return this.inflight;
  }

  /** Open UDP sockets to upstreams. */
  get openSockets(): number {
    return this.ex.openLanes;
  }

  /** Health as seen now, by metric label (`1.2.3.4:53`). */
  upstreamHealth(): Map<string, boolean> {
    return new Map(this.upstreams.map((u) => [u.key, !u.down]));
  }

  // --- the query path ---

  private forward(query: Buffer, qname: string, qtype: number, clientTcp = false): Promise<Buffer> {
    if (this.closed) return Promise.reject(CLOSED);
    if (this.inflight >= this.maxConcurrent) {
      this.obs.maxConcurrentRejected();
      return Promise.reject(OVERLOADED);
    }
    const qEnd = questionEnd(query, query.length);
    if (qEnd < 0) {
      return Promise.reject(new UpstreamError('CDNS_UPSTREAM_BAD_QUERY', `query for ${qname} has no single well-formed question`));
    }
    const f = this.take();
    f.kind = KIND_QUERY;
    f.load(query);
    f.qEnd = qEnd;
    f.clientId = query.readUInt16BE(0);
    f.qname = qname;
    f.qtype = qtype;
    f.clientTcp = clientTcp;
    f.started = performance.now();
    this.order(this.route(qname), f);
    if (f.fallback) this.obs.healthcheckBroken();
    const p = new Promise<Buffer>(f.executor);
    this.inflight++;
    this.next(f);
    return p;
  }

  /** Start the next attempt, or give up when the order is used up. */
  private next(f: Flight): void {
    while (f.idx < f.count) {
      const up = f.order[f.idx++];
      // Went down while this query was failing elsewhere: skip it, as the policy would have.
      if (up.down && !f.fallback) continue;
      // force_tcp; or a TCP client without prefer_udp (CoreDNS forward asks as it was asked).
      if (this.forceTcp || (f.clientTcp && !this.preferUdp)) this.ex.tcp(f, up);
      else this.ex.udp(f, up);
      return;
    }
    const why = f.tried === '' ? 'no upstream to try' : f.tried;
    this.settle(f, null, new UpstreamError('CDNS_UPSTREAM_ALL_FAILED', `${f.qname}. ${typeName(f.qtype)}: ${why}`));
  }

  /** @internal ExchangeHost: called by exchange.ts only. */
  reply(f: Flight, msg: Buffer): void {
    const up = f.upstream as Upstream;
    if (f.kind === KIND_PROBE) {
      this.release(f);
      this.health.probeDone(up, true);
      return;
    }
    const udp = f.proto === PROTO_UDP;
    this.obs.request(up.key, udp ? 'udp' : 'tcp', rcodeOf(msg), (performance.now() - f.attemptStarted) / 1000);
    this.health.success(up);
    if (udp && isTruncated(msg)) {
      this.ex.tcp(f, up);
      return;
    }
    msg.writeUInt16BE(f.clientId, 0);
    this.settle(f, msg, null);
  }

  /** @internal ExchangeHost: called by exchange.ts only. */
  fail(f: Flight, reason: FailReason): void {
    const up = f.upstream as Upstream;
    if (f.kind === KIND_PROBE) {
      this.release(f);
      this.health.probeDone(up, false);
      return;
    }
    this.obs.failure(up.key, reason);
    this.health.failure(up);
    f.tried += `${f.tried === '' ? '' : ', '}${up.key} ${f.proto === PROTO_UDP ? 'udp' : 'tcp'} ${reason}`;
    this.next(f);
  }

  /** @internal ExchangeHost: called by exchange.ts only. */
  spoofed(up: Upstream): void {
    this.obs.failure(up.key, 'spoofed');
  }

  private settle(f: Flight, msg: Buffer | null, err: Error | null): void {
    const res = f.resolveFn;
    const rej = f.rejectFn;
    this.inflight--;
    this.release(f);
    if (msg !== null) res?.(msg);
    else rej?.(err as Error);
  }

  private settleClosed(f: Flight): void {
    if (f.kind === KIND_PROBE) this.release(f);
    else this.settle(f, null, CLOSED);
  }

  private loopFound(): Promise<Buffer> {
    if (this.loopSeen === LOOP_SIGHTINGS) this.onLoop(this.loopError.message);
    return Promise.reject(this.loopError);
  }

  private probeHealth(up: Upstream): void {
    if (this.closed) return;
    const f = this.take();
    f.kind = KIND_PROBE;
    f.load(HEALTH_PROBE);
    f.qEnd = HEALTH_PROBE_QEND;
    f.qname = '';
    f.qtype = TYPE.NS;
    f.clientTcp = false;
    // CoreDNS: "the health check uses the same protocol as specified in TO" (force_tcp: TCP).
    if (this.forceTcp) this.ex.tcp(f, up);
    else this.ex.udp(f, up);
  }

  // --- flight pool: at most maxConcurrent objects are ever kept ---

  private take(): Flight {
    return this.free.pop() ?? new Flight();
  }

  private release(f: Flight): void {
    f.seq++;
    f.resolveFn = null;
    f.rejectFn = null;
    f.upstream = null;
    f.lane = null;
    f.tcp = null;
    f.tried = '';
    f.count = 0;
    f.idx = 0;
    if (this.free.length < this.maxConcurrent) this.free.push(f);
  }
}
