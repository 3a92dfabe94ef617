// One server block, built from its BlockPlan (config/plan.ts): the chain (resolve/resolver.ts)
// with only the links the plan names (STYLE rule 4: an absent link is not in the chain), its
// counters and its log events. Built once at start and again on reload, where the parts whose
// plan did not change are carried over from the block it replaces: the cache with its
// entries, the forwarder with its sockets and upstream health, the zone files with their
// watches, and the counters (metrics stay monotonic).
import type { ClusterStore } from '../cluster/store';
import type { Options } from '../config/options';
import type { BlockPlan, ForwardPlan } from '../config/plan';
import type { HandlerEvents, Served } from '../server/handler';
import { QueryStats } from '../server/stats';
import { AnswerCache } from '../resolve/cache';
import { cacheOptionsOf, storePolicy } from '../resolve/cache-plan';
import { KubernetesLink } from '../resolve/kubernetes';
import { autopathFromPlan } from '../resolve/autopath';
import { AnswerLinks } from '../resolve/answer-links';
import type { AnswerLink } from '../plugins/types';
import type * as AnyPlugin from '../plugins/any';
import type * as HostsPlugin from '../plugins/hosts';
import type * as TemplatePlugin from '../plugins/template';
import type * as WhoamiPlugin from '../plugins/whoami';
import type * as K8sExternalPlugin from '../plugins/k8s-external';
import type * as RewritePlugin from '../plugins/rewrite';
import { Resolver, type ForwardPath } from '../resolve/resolver';
import { inZone, inZones } from '../dns/zones';
import { Forwarder, type ForwarderObserver } from '../upstream/forwarder';
import { readResolvConf } from '../upstream/resolvconf';
import { forwarderOptionsFromPlan } from '../upstream/from-plan';
import type * as ZoneFileModule from '../zonefile/source';
import type { ZoneFileSource } from '../zonefile/source';
import type { Consolidator, Logger } from '../ops/log';
import { queryLog } from '../ops/query-log';

/** What every block of one server shares. */
export interface BlockContext {
  store: ClusterStore;
  /** This server's own addresses (cluster/self-address.ts), for ns.dns.<zone>. */
  selfAddresses: string[];
  /** The local generation: the view's, zone file reloads and config reloads. */
  generation(): number;
  /** Moves when every memoised local answer must go (zone file or config reload). */
  localEpoch(): number;
  /** Moves the local generation (a zone file reloaded). */
  bump(): void;
  log: Logger;
  errors: Consolidator;
  forwarderObserver?: ForwarderObserver;
  onLoop?: (message: string) => void;
  reloaded?: (source: 'snapshot' | 'zonefile', ok: boolean) => void;
}

export class Block implements Served {
  readonly chain: Resolver;
  /** The `zone` label of its metrics: the first zone, '.' for the root. */
  readonly zoneLabel: string;

  private constructor(
    readonly plan: BlockPlan,
    readonly cache: AnswerCache | null,
    readonly forwarder: Forwarder | null,
    readonly zoneFiles: ZoneFileSource | null,
    readonly stats: QueryStats,
    readonly events: HandlerEvents,
    chain: Resolver,
  ) {
    this.chain = chain;
    this.zoneLabel = plan.zones[0] === '' || plan.zones[0] === undefined ? '.' : `${plan.zones[0]}.`;
  }

  /**
   * Builds the block for `plan`, reusing what `prev` (the block it replaces, or null) built
   * from the same sub-plans. Throws (a ConfigError, an UpstreamError, a ZoneFileError) with
   * nothing started when a part cannot be built; the caller then keeps the running blocks.
   */
  static build(plan: BlockPlan, opts: Options, ctx: BlockContext, prev: Block | null): Block {
    const same = (k: keyof BlockPlan) => prev !== null && JSON.stringify(prev.plan[k]) === JSON.stringify(plan[k]);
    const built: { close(): unknown }[] = [];
    try {
      const zoneFiles = same('zoneFiles') ? prev!.zoneFiles : zoneFileSource(plan, ctx);
      if (zoneFiles !== prev?.zoneFiles && zoneFiles) built.push(zoneFiles);
      const forwarder = same('forward') ? prev!.forwarder : makeForwarder(plan.forward, ctx);
      if (forwarder !== prev?.forwarder && forwarder) built.push(forwarder);
      let cache = same('cache') ? prev!.cache : plan.cache ? new AnswerCache(cacheOptionsOf(plan.cache)) : null;
      if (cache !== prev?.cache && cache && prev?.cache) {
        // coredns_cache_hits_total and _misses_total stay monotonic across the swap.
        [cache.hits, cache.misses, cache.servedStale] = [prev.cache.hits, prev.cache.misses, prev.cache.servedStale];
      }
      // Names a new zone file or cluster zone now answers may sit in the cache as forwarded
      // answers: they must not outlive the reload (issue 4: a change never waits out a TTL).
      if (cache && cache === prev?.cache && !(same('zoneFiles') && same('kubernetes'))) cache.clear();
      const kubernetes = plan.kubernetes ? new KubernetesLink(ctx.store, plan.kubernetes, opts.namespaceSelector !== null, ctx.selfAddresses) : null;
      const stats = prev?.stats ?? new QueryStats();
      // Issue 12: autopath walks the search path of the block's cluster zone.
      const k = kubernetes?.primary;
      const autopath =
        plan.autopath && k
          ? autopathFromPlan(plan.autopath, opts.resolvConf, {
              namespaceExists: (ns) => k.ctx.namespaceVisible(ns),
              podHasIP: (ns, ip) => ctx.store.podHasIP(ns, ip),
              succeeded: () => stats.autopath[0]++,
            })
          : null;
      // CoreDNS's order (plugin.cfg): any, template, hosts before kubernetes; whoami last.
      // The factories validate what only they can (a regex, a template) and throw here.
      // Each plugin module is required only when the plan names it: a block without plugins
      // (every flags start) does not pay for their code in resident memory (issue 13).
      const plog = ctx.log.stage('plugins');
      const first: AnswerLink[] = [];
      if (plan.any) first.push((require('../plugins/any') as typeof AnyPlugin).createAny());
      if (plan.templates.length > 0) first.push((require('../plugins/template') as typeof TemplatePlugin).createTemplates(plan.templates, plog));
      if (plan.hosts) first.push((require('../plugins/hosts') as typeof HostsPlugin).createHosts(plan.hosts, plog));
      if (plan.k8sExternal) {
        const { createK8sExternal } = require('../plugins/k8s-external') as typeof K8sExternalPlugin;
        // Its answers read the whole view (externalIPs, ingress), but it records no dependency
        // tags: folding store.generation into the memo epoch would drop every memoised answer
        // on every change (issue 11). So its answers are computed per query, never memoised.
        const ext = createK8sExternal(plan.k8sExternal, ctx.store, { namespaceVisible: (ns) => kubernetes?.primary?.ctx.namespaceVisible(ns) ?? true });
        first.push({ plugin: ext.plugin, memoizable: false, version: () => 0, answer: (q) => ext.answer(q) });
      }
      const answerLinks = first.length > 0 ? new AnswerLinks(first) : null;
      if (answerLinks) built.push(answerLinks);
      const lastLinks = plan.whoami ? new AnswerLinks([(require('../plugins/whoami') as typeof WhoamiPlugin).createWhoami()]) : null;
      const rewrite = plan.rewrite && plan.rewrite.rules.length > 0 ? (require('../plugins/rewrite') as typeof RewritePlugin).createRewrite(plan.rewrite) : null;
      const chain = new Resolver({
        rewrite,
        answerLinks,
        lastLinks,
        cluster: kubernetes,
        autopath,
        loadbalance: plan.loadbalance,
        zones: zoneFiles,
        forwarder: forwarder as ForwardPath | null,
        forwards: forwardFilter(plan.forward),
        cache,
        storable: plan.cache ? storePolicy(plan.cache) : null,
        generation: ctx.generation,
        localEpoch: ctx.localEpoch,
      });
      const slog = ctx.log.stage('server');
      const events: HandlerEvents = {
        panic: plan.errors
          ? (err) => ctx.errors.error('panic', 'server: a link threw; answered SERVFAIL', { err: String((err as Error)?.stack ?? err), block: plan.origin })
          : () => {},
        query: queryLog(plan.log, slog),
      };
      return new Block(plan, cache, forwarder, zoneFiles, stats, events, chain);
    } catch (e) {
      for (const b of built) b.close();
      throw e;
    }
  }
}

/** `forward FROM` and `except`: which names the forwarder takes; null = every name. */
function forwardFilter(f: ForwardPlan | null): ((name: string) => boolean) | null {
  if (f === null || (f.from === '' && f.except.length === 0)) return null;
  const { from, except } = f;
  return (name) => inZone(name, from) && !inZones(name, except);
}

function zoneFileSource(plan: BlockPlan, ctx: BlockContext): ZoneFileSource | null {
  if (plan.zoneFiles.length === 0) return null;
  const zlog = ctx.log.stage('zonefile');
  // The zone file reader (zonefile/**) only with zone files: RSS at start, issue 13.
  const { ZoneFileSource } = require('../zonefile/source') as typeof ZoneFileModule;
  return new ZoneFileSource(
    plan.zoneFiles.map((z) => z.path),
    {
      onChange: () => {
        ctx.bump();
        zlog.info('zone files reloaded');
        ctx.reloaded?.('zonefile', true);
      },
      onError: (e) => {
        zlog.error(e.message, { code: (e as { code?: string }).code });
        ctx.reloaded?.('zonefile', false);
      },
    },
  );
}

function makeForwarder(f: ForwardPlan | null, ctx: BlockContext): Forwarder | null {
  if (f === null) return null;
  const ulog = ctx.log.stage('upstream');
  const upstream = f.to ?? upstreamsFromResolvConf(f.resolvConf, ulog);
  if (upstream.length === 0) {
    ulog.warn('no upstream servers: names outside the served zones get REFUSED', { resolvConf: f.resolvConf, block: f.origin });
    return null;
  }
  return new Forwarder(
    forwarderOptionsFromPlan(f, {
      observer: ctx.forwarderObserver,
      readResolvConf: () => upstream,
      onLoop:
        ctx.onLoop ??
        ((message) => {
          ulog.error(message, { code: 'CDNS_UPSTREAM_LOOP' });
          process.exit(1);
        }),
    }),
  );
}

/**
 * The default upstreams. A missing, empty or broken resolv.conf is not fatal: the cluster zone
 * is still served and names outside it get REFUSED, with one clear warning naming the file and
 * the fault. An explicit upstream list never comes here.
 */
function upstreamsFromResolvConf(path: string, log: Logger) {
  try {
    return readResolvConf(path);
  } catch (e) {
    log.warn(`${(e as Error).message}; serving without upstreams`, { code: (e as { code?: string }).code });
    return [];
  }
}
