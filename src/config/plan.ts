// The server model (DESIGN §2, "server blocks"): what a Corefile, the flags and the YAML
// config all compile to, built once at start and again on reload. A block answers the zones
// it names on the addresses it listens on; a query goes to the block with the most specific
// zone on the address it arrived at, and walks that block's chain in CoreDNS's fixed plugin
// order (not the file's). Process-wide settings (the API connection, ops endpoints, workers,
// lame duck, log level) stay in Options.
import type { HostPort, PodMode, UpstreamPolicy } from './options';
import type { Fallthrough, HostsConfig, K8sExternalConfig, RewriteConfig, TemplateConfig } from '../plugins/types';

export interface ServerPlan {
  blocks: BlockPlan[];
}

export interface BlockPlan {
  /** Where the block was written: `Corefile:12`, or `flags` for the command line and YAML. */
  origin: string;
  /** Lower-case zones without the trailing dot ('' = the root); CIDR keys already expanded. */
  zones: string[];
  /** UDP and TCP addresses: the key's port (default 53) on each `bind` address (default all). */
  listen: HostPort[];
  kubernetes: KubernetesPlan | null;
  forward: ForwardPlan | null;
  cache: CachePlan | null;
  hosts: HostsConfig | null;
  rewrite: RewriteConfig | null;
  /** In the order written: the first template whose zone and regex match answers. */
  templates: TemplateConfig[];
  k8sExternal: K8sExternalConfig | null;
  /** `file DBFILE [ZONES]`, and --zone-file. */
  zoneFiles: ZoneFilePlan[];
  autopath: AutopathPlan | null;
  /** Shuffle A/AAAA records of NOERROR answers (`loadbalance`). */
  loadbalance: boolean;
  /** RFC 8482 minimal answer to qtype ANY (`any`). */
  any: boolean;
  whoami: boolean;
  /** Log every query of this block (`log`). */
  log: boolean;
  /** Log errors of this block (`errors`). */
  errors: boolean;
  /** Detect a forward path that leads back here (`loop`). */
  loop: boolean;
}

export interface KubernetesPlan {
  origin: string;
  /** The cluster zone(s) and the reverse zones served from the view, lower-case. */
  zones: string[];
  ttl: number;
  pods: PodMode;
  /** `namespaces`: null = all. */
  namespaces: string[] | null;
  /** `namespace_labels` / `labels`: label selectors for the watch; null = none. */
  namespaceLabels: string | null;
  labels: string | null;
  endpointPodNames: boolean;
  /** `ignore empty_service` */
  ignoreEmptyService: boolean;
  /** `noendpoints`: no endpoint names, no headless addresses. */
  noEndpoints: boolean;
  fallthrough: Fallthrough;
}

export interface ForwardPlan {
  origin: string;
  /** The FROM zone ('' = the root). */
  from: string;
  /** null: the nameservers of `resolvConf`. */
  to: HostPort[] | null;
  resolvConf: string;
  /** `except`: names under these zones are not forwarded (they pass on, then REFUSED/SERVFAIL). */
  except: string[];
  forceTcp: boolean;
  preferUdp: boolean;
  policy: UpstreamPolicy;
  maxConcurrent: number;
  /** Read timeout of one attempt, ms. */
  timeoutMs: number;
  /** Consecutive failures before an upstream is marked down; 0 = never. */
  maxFails: number;
  /** Health probe interval, ms. */
  healthCheckMs: number;
  /** Idle upstream connections closed after this long, ms (`expire`). */
  expireMs: number;
}

export interface CacheKindPlan {
  /** Entries at most. */
  capacity: number;
  /** TTL cap and floor, seconds. */
  maxTtl: number;
  minTtl: number;
}

export interface CachePlan {
  origin: string;
  /** Zones cached ('' = all). */
  zones: string[];
  success: CacheKindPlan;
  denial: CacheKindPlan;
  /** `prefetch AMOUNT [DURATION] [PERCENTAGE%]`; null = off. */
  prefetch: { amount: number; durationMs: number; percentage: number } | null;
  /** `serve_stale [DURATION] [REFRESH_MODE]`; null = off. */
  serveStale: { durationMs: number; refresh: 'immediate' | 'verify' } | null;
  /** `disable success|denial ZONES`: answers under these zones are not cached. */
  disableSuccess: string[];
  disableDenial: string[];
}

export interface ZoneFilePlan {
  origin: string;
  path: string;
  /** Zones to serve from it; empty = the file's own origin. */
  zones: string[];
}

export interface AutopathPlan {
  origin: string;
  /** The cluster zone whose search path is walked (from the kubernetes plugin). */
  zone: string;
  /** Search domains after `<zone>`; null = those of the server's own resolv.conf. */
  searchDomains: string[] | null;
  /** CoreDNS's rule: the client must be a pod of the namespace (needs `pods verified`). */
  verified: boolean;
  /** Only names of these namespaces are walked (clusterdns's own limit); absent/null = all. */
  namespaces?: string[] | null;
}

/**
 * A block with every plugin off, for the flags path and the Corefile front end to fill in.
 * `errors` is on for the flags (as in every distribution's Corefile); a Corefile block has it
 * only when it says `errors`.
 */
export function emptyBlock(origin: string, zones: string[] = [], listen: HostPort[] = [], errors = true): BlockPlan {
  return {
    origin,
    zones,
    listen: listen.map((a) => ({ ...a })),
    kubernetes: null,
    forward: null,
    cache: null,
    hosts: null,
    rewrite: null,
    templates: [],
    k8sExternal: null,
    zoneFiles: [],
    autopath: null,
    loadbalance: false,
    any: false,
    whoami: false,
    log: false,
    errors,
    loop: false,
  };
}
