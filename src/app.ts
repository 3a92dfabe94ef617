// The composition root (DESIGN §2): flags, the YAML config and a Corefile all arrive here as a
// ServerPlan of server blocks (config/plan.ts), plus the process-wide Options. Every block is
// built once (blocks/block.ts: its chain holds only the links its plan names, STYLE rule 4);
// each distinct listen address gets one UDP and one TCP listener whose handler routes a query
// to the block with the most specific zone (resolve/router.ts). A reload builds the new blocks
// on the same store, counters and sockets and swaps them in between two packets.
import type { HostPort, Options } from './config/options';
import type { BlockPlan, ServerPlan } from './config/plan';
import { planFromOptions } from './config/plan-from-options';
import os from 'node:os';
import { ClusterStore } from './cluster/store';
import { selfAddresses } from './cluster/self-address';
import { Block, type BlockContext } from './blocks/block';
import type { AnswerCache, CacheCounts } from './resolve/cache';
import type { Resolver } from './resolve/resolver';
import { buildRouter } from './resolve/router';
import { noEvents, QueryHandler, type Routing } from './server/handler';
import { QueryStats } from './server/stats';
import { UdpListener } from './server/udp';
import { FastUdpListener, nativeUdpAvailable, nativeUdpUnavailableReason } from './server/fast-udp';
import { TcpListener } from './server/tcp';
import { startSource } from './sources/start';
import { HeapRelease } from './ops/heap-release';
import type { KubernetesObserver } from './sources/kubernetes';
import type { Forwarder, ForwarderObserver } from './upstream/forwarder';
import { Consolidator, type Logger } from './ops/log';

export interface Hooks {
  forwarderObserver?: ForwarderObserver;
  /** Called when the forward path is proven to loop back here; default: log and exit(1). */
  onLoop?: (message: string) => void;
  /** No source is started here: the caller feeds `store` (tests, benches). */
  noSource?: boolean;
  /** The view to serve; default a new, empty one. */
  store?: ClusterStore;
  /** A watched reload finished (clusterdns_source_reloads_total); zone files call it here. */
  reloaded?: (source: 'snapshot' | 'zonefile', ok: boolean) => void;
  /** Programming latency of the API source (ops/metrics.ts). */
  kubernetesObserver?: KubernetesObserver;
  /**
   * UDP sockets join the port's SO_REUSEPORT group, so the UDP threads of --workers N can bind
   * theirs beside them (server/threads.ts). Default false: a port in use fails with EADDRINUSE.
   */
  reusePort?: boolean;
  /**
   * The local generation moved (a view change; `whole`: a zone file or config reload, after
   * which no memoised local answer stands): copies of answers keyed to it are stale.
   */
  onGeneration?: (generation: number, whole: boolean) => void;
}

/** One listen address: its sockets' shared handler and the blocks it routes between. */
export interface Address {
  addr: HostPort;
  /** The bound port (port 0 binds late). */
  port: number;
  handler: QueryHandler;
  blocks: Block[];
}

export interface Running {
  opts: Options;
  plan: ServerPlan;
  store: ClusterStore;
  /** The blocks, in the order of the plan. */
  blocks: Block[];
  /** The listen addresses, in the order they first appear in the plan. */
  addresses: Address[];
  /** Queries no block claims (unreadable, or outside every zone), per address. */
  unrouted: QueryStats;
  /** The first block's parts, as before blocks (one block for flags and YAML). */
  stats: QueryStats;
  handler: QueryHandler;
  resolver: Resolver;
  cache: AnswerCache | null;
  forwarder: Forwarder | null;
  /** Bound ports, one per listen address (UDP and TCP share the number). */
  ports: number[];
  /** The local generation: moves with the view, zone file reloads and config reloads. */
  generation(): number;
  /** Links that threw, over every address. */
  panics(): number;
  /** Query counters summed over every block and the unrouted queries (one series per server). */
  totalStats(): QueryStats;
  /**
   * Per-block query counters for /metrics: `server` dns://:PORT of each address the block
   * listens on (several blocks on one port sum into their zones' series as CoreDNS keeps one
   * per zone), `zone` its first zone; queries no block claimed under zone '.' of the address.
   */
  blockSeries(): { server: string; zone: string; stats: QueryStats }[];
  /** Cache numbers summed over the blocks that cache; null when none does. */
  cacheCounts(): CacheCounts | null;
  /** Upstream queries in flight, over every block. */
  inFlight(): number;
  /** Sources are synced (or the start-up timeout passed): /ready may say yes. */
  synced(): boolean;
  /** SIGHUP: re-read the snapshot and zone files now. */
  reload(): void;
  /**
   * Config reload (ops/reload.ts): builds the blocks of `plan` on the same store, counters and
   * sockets and swaps them into the handlers at once; parts whose plan did not change are kept
   * (cache entries, upstream sockets and health, zone files). Throws, with nothing swapped,
   * when a part cannot be built. Blocks on an address that is not bound are reported in the
   * return value and not served (listen addresses take a restart).
   */
  reconfigure(next: Options, plan?: ServerPlan): { unbound: string[] };
  /** Stop accepting, finish in-flight TCP answers for up to graceMs, release everything. */
  close(graceMs?: number): Promise<void>;
}

const addrKey = (a: HostPort) => `${a.host}:${a.port}`;

export async function startServer(opts: Options, log: Logger, hooks: Hooks = {}, plan: ServerPlan = planFromOptions(opts)): Promise<Running> {
  const store = hooks.store ?? new ClusterStore();

  // A local generation that moves with the cluster view, with static zone reloads and with
  // config reloads (answers memoised under old settings die with it).
  let zoneVersion = 0;
  const generation = () => store.generation * 65536 + zoneVersion;
  const bump = () => {
    zoneVersion = (zoneVersion + 1) & 0xffff;
    hooks.onGeneration?.(generation(), true);
  };
  if (hooks.onGeneration) store.onChange(() => hooks.onGeneration!(generation(), false));
  // Static zone and config reloads drop the memo of local answers whole; a change of the view
  // drops only the answers that read what it touched (issue 11, resolve/local.ts).
  const localEpoch = () => zoneVersion;

  const errors = new Consolidator(log);
  const closers: (() => unknown)[] = [() => errors.close()];
  const slog = log.stage('server');
  const ctx: BlockContext = {
    store,
    // Every address any block listens on: what ns.dns.<zone> answers (issue 10 item 3).
    selfAddresses: selfAddresses([...new Set(plan.blocks.flatMap((b) => b.listen.map((l) => l.host)))], os.networkInterfaces()),
    generation,
    localEpoch,
    bump,
    log,
    errors,
    forwarderObserver: hooks.forwarderObserver,
    onLoop: hooks.onLoop,
    reloaded: hooks.reloaded,
  };

  // Forwarders replaced by a reload: closed once their queries in flight are answered.
  const retiring = new Set<Forwarder>();
  const retire = (f: Forwarder, timeoutMs: number) => {
    retiring.add(f);
    const until = Date.now() + 4 * timeoutMs + 1000;
    const check = () => {
      if (f.inFlight > 0 && Date.now() < until) return void setTimeout(check, 100).unref();
      retiring.delete(f);
      void f.close();
    };
    check();
  };

  let blocks = buildBlocks(plan.blocks, opts, ctx, []);
  closers.push(() => Promise.all([...blocks.flatMap((b) => [b.chain.close(), b.forwarder?.close(), b.zoneFiles?.close()]), ...[...retiring].map((f) => f.close())]));

  // Listen addresses, in the order they first appear; each routes between its blocks.
  const unrouted = new QueryStats();
  const fallback = (bs: Block[]) => ({ chain: bs[0]?.chain, stats: unrouted, events: bs[0]?.events ?? noEvents }) as Routing['fallback'];
  // Routes between an address's blocks; a chased CNAME target goes through the same choice.
  const routing = (bs: Block[]): Routing => {
    const router = buildRouter(bs.flatMap((b) => b.plan.zones.map((zone) => ({ zone, block: b }))));
    for (const b of bs) b.chain.setBlockFor((name) => router.byName(name)?.chain ?? null);
    return { route: router.route, fallback: fallback(bs) };
  };
  const addrs: HostPort[] = [];
  for (const b of plan.blocks) for (const a of b.listen) if (!addrs.some((x) => addrKey(x) === addrKey(a))) addrs.push(a);
  const onAddress = (a: HostPort, bs: Block[]) => bs.filter((b) => b.plan.listen.some((x) => addrKey(x) === addrKey(a)));
  const addresses: Address[] = addrs.map((addr) => {
    const bs = onAddress(addr, blocks);
    return { addr, port: addr.port, handler: new QueryHandler(routing(bs)), blocks: bs };
  });

  // The garbage of each bulk load (snapshot load or reload, API list or re-list) is collected
  // once the loads stop, rather than left to sit in RSS (issue 13, ops/heap-release.ts).
  const heapRelease = new HeapRelease();
  store.onBulkApplied(() => heapRelease.schedule());
  closers.push(() => heapRelease.close());

  // Sources: a snapshot file or the Kubernetes API; none when the caller feeds the store.
  let synced = () => store.synced;
  let reloadSource = () => {};
  if (!hooks.noSource) {
    let src;
    try {
      src = await startSource(opts, store, log, { kubernetesObserver: hooks.kubernetesObserver, reloaded: hooks.reloaded });
    } catch (e) {
      for (const c of closers) await c();
      throw e;
    }
    synced = src.synced;
    reloadSource = src.reload;
    closers.push(() => src.close());
  }

  const listeners: (UdpListener | FastUdpListener | TcpListener)[] = [];
  // Batched native UDP (issue 6: measured 0.9-1.4x Knot on one core where node:dgram gave
  // 0.5-0.6x; bench/micro/README.md). With --workers N the socket joins a SO_REUSEPORT group
  // that the UDP threads join on the same port (server/threads.ts).
  const native = opts.nativeUdp && nativeUdpAvailable();
  if (opts.nativeUdp && !native) slog.info('using node:dgram for UDP', { reason: nativeUdpUnavailableReason() });
  const onSocketError = (e: Error) => errors.error(`socket:${(e as NodeJS.ErrnoException).code}`, `server: socket error: ${e.message}`);
  const udpFor = (addr: HostPort, handler: QueryHandler) =>
    native ? new FastUdpListener(addr, handler, onSocketError, hooks.reusePort ?? false) : new UdpListener(addr, handler, onSocketError);
  try {
    for (const a of addresses) {
      // Port 0: TCP takes the number UDP was given, so one port serves both. UDP and TCP
      // numbers are allocated separately, so that TCP port may be taken (an ops endpoint
      // bound a moment earlier): try another UDP port then.
      for (let attempt = 1; ; attempt++) {
        const udp = udpFor(a.addr, a.handler);
        const port = await udp.listen();
        const tcp = new TcpListener({ host: a.addr.host, port }, a.handler, opts.tcp, onSocketError);
        try {
          await tcp.listen();
        } catch (e) {
          await udp.close();
          if (a.addr.port === 0 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 10) continue;
          throw e;
        }
        listeners.push(udp, tcp);
        a.port = port;
        break;
      }
    }
  } catch (e) {
    await Promise.all(listeners.map((l) => l.close()));
    for (const c of closers) await c();
    throw e;
  }
  for (const b of blocks) if (b.plan.loop) b.forwarder?.probeLoop().catch(() => undefined);

  const reconfigure = (next: Options, nextPlan: ServerPlan = planFromOptions(next)): { unbound: string[] } => {
    // Build everything first: a throw leaves the running blocks untouched.
    const nextBlocks = buildBlocks(nextPlan.blocks, next, ctx, blocks);
    const bound = new Set(addresses.map((a) => addrKey(a.addr)));
    const unbound = [...new Set(nextPlan.blocks.flatMap((b) => b.listen.map(addrKey)).filter((k) => !bound.has(k)))];
    // The swap: one synchronous step between two packets.
    bump();
    for (const a of addresses) {
      a.blocks = onAddress(a.addr, nextBlocks);
      a.handler.swap(routing(a.blocks));
    }
    for (const old of blocks) {
      // The swapped-out chain stops following the view and drops its memo.
      old.chain.close();
      if (old.zoneFiles && !nextBlocks.some((b) => b.zoneFiles === old.zoneFiles)) old.zoneFiles.close();
      if (old.forwarder && !nextBlocks.some((b) => b.forwarder === old.forwarder)) retire(old.forwarder, old.plan.forward?.timeoutMs ?? 2000);
    }
    for (const b of nextBlocks) if (b.plan.loop && !blocks.some((o) => o.forwarder === b.forwarder)) b.forwarder?.probeLoop().catch(() => undefined);
    blocks = nextBlocks;
    const first = blocks[0];
    Object.assign(running, {
      opts: next,
      plan: nextPlan,
      blocks,
      stats: first?.stats ?? unrouted,
      resolver: first?.chain,
      cache: first?.cache ?? null,
      forwarder: first?.forwarder ?? null,
    });
    if (unbound.length) slog.warn(`blocks on addresses not bound until restart: ${unbound.join(', ')}`, { code: 'CDNS_OPS_RESTART_REQUIRED' });
    return { unbound };
  };

  const first = blocks[0];
  const running: Running = {
    opts,
    plan,
    store,
    blocks,
    addresses,
    unrouted,
    stats: first?.stats ?? unrouted,
    handler: addresses[0]?.handler,
    resolver: first?.chain,
    cache: first?.cache ?? null,
    forwarder: first?.forwarder ?? null,
    ports: addresses.map((a) => a.port),
    generation,
    panics: () => addresses.reduce((n, a) => n + a.handler.panics, 0),
    totalStats: () => {
      // One block (flags, YAML, most Corefiles): its counters as they are, no copy.
      if (blocks.length === 1 && unrouted.requests.every((n) => n === 0)) return blocks[0].stats;
      const sum = new QueryStats();
      for (const st of new Set([unrouted, ...blocks.map((b) => b.stats)])) sum.add(st.snapshot());
      return sum;
    },
    blockSeries: () => {
      const out = new Map<string, { server: string; zone: string; stats: QueryStats }>();
      const add = (server: string, zone: string, st: QueryStats) => {
        const k = `${server} ${zone}`;
        const seen = out.get(k);
        if (seen === undefined) out.set(k, { server, zone, stats: st });
        else if (seen.stats !== st) {
          // Two blocks (or two addresses on one port) in one series: summed, at scrape time only.
          const sum = new QueryStats();
          sum.add(seen.stats.snapshot());
          sum.add(st.snapshot());
          seen.stats = sum;
        }
      };
      // A block's counters are its own, not per address: each is listed under the first
      // address it listens on (a block on two ports is counted once).
      const listed = new Set<Block>();
      for (const a of addresses) {
        for (const b of a.blocks) {
          if (listed.has(b)) continue;
          listed.add(b);
          add(`dns://:${a.port}`, b.zoneLabel, b.stats);
        }
      }
      // Unrouted queries (unreadable, or outside every zone) under the first address, zone '.'.
      if (addresses.length > 0 && unrouted.requests.some((n) => n > 0)) add(`dns://:${addresses[0].port}`, '.', unrouted);
      return [...out.values()];
    },
    cacheCounts: () => {
      let out: CacheCounts | null = null;
      for (const c of new Set(blocks.map((b) => b.cache))) {
        if (c === null) continue;
        const n = c.counts();
        out = out === null ? n : { size: out.size + n.size, hits: out.hits + n.hits, misses: out.misses + n.misses, servedStale: out.servedStale + n.servedStale };
      }
      return out;
    },
    inFlight: () => blocks.reduce((n, b) => n + (b.forwarder?.inFlight ?? 0), 0) + [...retiring].reduce((n, f) => n + f.inFlight, 0),
    synced,
    reload: () => {
      reloadSource();
      for (const b of blocks) b.zoneFiles?.reload();
    },
    reconfigure,
    async close(graceMs = 0) {
      await Promise.all(listeners.map((l) => (l instanceof TcpListener ? l.close(graceMs) : l.close())));
      for (const c of closers) await c();
    },
  };
  return running;
}

/**
 * Builds every block of a plan, each reusing the parts of the running block it replaces (the
 * one with the same zones and addresses). All or nothing: a throw closes what was built.
 */
function buildBlocks(plans: BlockPlan[], opts: Options, ctx: BlockContext, running: Block[]): Block[] {
  const key = (p: BlockPlan) => JSON.stringify([p.zones, p.listen]);
  const out: Block[] = [];
  const used = new Set<Block>();
  try {
    for (const p of plans) {
      const prev = running.find((b) => !used.has(b) && key(b.plan) === key(p)) ?? null;
      if (prev) used.add(prev);
      out.push(Block.build(p, opts, ctx, prev));
    }
  } catch (e) {
    // Close what this attempt built; what it took over from the running blocks stays.
    for (const b of out) {
      if (b.zoneFiles && !running.some((r) => r.zoneFiles === b.zoneFiles)) b.zoneFiles.close();
      if (b.forwarder && !running.some((r) => r.forwarder === b.forwarder)) void b.forwarder.close();
    }
    throw e;
  }
  return out;
}
