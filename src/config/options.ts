import { usableCpus } from './cpus';

// Every setting of the server, with its default. Flags (cli.ts) and the config file
// (config/file.ts) both produce a partial of this; validate.ts checks the merged result once,
// before any socket opens (STYLE rule 9).

export type PodMode = 'disabled' | 'insecure' | 'verified';
export type UpstreamPolicy = 'random' | 'round_robin' | 'sequential';

export interface HostPort {
  host: string;
  port: number;
}

export interface StubDomain {
  /** Lower-case domain without trailing dot. */
  domain: string;
  servers: HostPort[];
}

export interface Options {
  listen: HostPort[];
  clusterDomain: string;
  snapshot: string | null;
  kubeconfig: string | null;
  context: string | null;
  ttl: number;
  pods: PodMode;
  /** Allow-list of namespaces; null = all. */
  namespaces: string[] | null;
  endpointPodNames: boolean;
  ignoreEmptyService: boolean;
  /** Reverse zones served authoritatively (lower-case names); null = catch-all, misses go upstream. */
  reverseZones: string[] | null;
  /** null = the nameservers of resolvConf. */
  upstream: HostPort[] | null;
  resolvConf: string;
  stubDomains: StubDomain[];
  upstreamPolicy: UpstreamPolicy;
  /** Per-attempt read timeout of an upstream query, ms (SPEC §4: 2 s). */
  upstreamTimeoutMs: number;
  /** Cap on upstream queries in flight; excess answered REFUSED. */
  maxConcurrentForwards: number;
  zoneFiles: string[];
  health: HostPort | null;
  ready: HostPort | null;
  metrics: HostPort | null;
  config: string | null;
  /** A CoreDNS Corefile (`-conf`, `--corefile`): the server blocks come from it (corefile/). */
  corefile: string | null;
  /** Re-read the Corefile (and its imports) this often, ms; 0 = only on file events and SIGHUP (`reload`). */
  reloadIntervalMs: number;
  /** API server URL used instead of in-cluster or kubeconfig (`kubernetes { endpoint URL }`). */
  kubeEndpoint: string | null;
  /** Label selectors for the API watch (sources/kubernetes.ts). */
  serviceSelector: string | null;
  namespaceSelector: string | null;
  /** Serve anyway after this long without a complete first sync, ms. */
  startupTimeoutMs: number;
  cache: CacheOptions;
  tcp: TcpOptions;
  lameDuckMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  logQueries: boolean;
  workers: number;
  /**
   * Batched UDP through the native addon (native/: recvmmsg/sendmmsg, SO_REUSEPORT per worker)
   * when it is built; false, or no addon, is node:dgram.
   */
  nativeUdp: boolean;
  /**
   * Rotate the A/AAAA records of each answer per response (CoreDNS `loadbalance`, in every
   * distribution's Corefile), so clients of a headless Service spread over its endpoints.
   */
  loadbalance: boolean;
  /** Print a `dig` line to try after start-up (npm start). */
  demoHint: boolean;
  /**
   * Issue 12: answer a pod's first search-path query (`<name>.<ns>.svc.<zone>`) by walking the
   * rest of its search list here (resolve/autopath.ts). Off by default, as in CoreDNS.
   */
  autopath: boolean;
  /** Namespaces whose names are walked; null = all. */
  autopathNamespaces: string[] | null;
  /** Search domains walked after `<zone>`; null = the `search` line of resolvConf. */
  autopathSearch: string[] | null;
}

export interface CacheOptions {
  enabled: boolean;
  maxEntries: number;
  minTtl: number;
  maxTtl: number;
  /** Cap on the TTL of negative answers (RFC 2308 §5). */
  maxNegativeTtl: number;
  /** Serve expired entries while upstreams fail, for at most this many seconds; 0 = off. */
  serveStaleSeconds: number;
  /** Refresh entries asked for this many times when less than 10% of their TTL is left; 0 = off. */
  prefetchHits: number;
}

export interface TcpOptions {
  idleTimeoutMs: number;
  maxConnections: number;
}

export const DEFAULTS: Options = {
  listen: [{ host: '0.0.0.0', port: 53 }],
  clusterDomain: 'cluster.local',
  snapshot: null,
  kubeconfig: null,
  context: null,
  ttl: 30,
  pods: 'insecure',
  namespaces: null,
  endpointPodNames: false,
  ignoreEmptyService: false,
  reverseZones: null,
  upstream: null,
  resolvConf: '/etc/resolv.conf',
  stubDomains: [],
  upstreamPolicy: 'random',
  upstreamTimeoutMs: 2000,
  maxConcurrentForwards: 1000,
  zoneFiles: [],
  health: { host: '0.0.0.0', port: 8080 },
  ready: { host: '0.0.0.0', port: 8181 },
  metrics: { host: '0.0.0.0', port: 9153 },
  config: null,
  corefile: null,
  reloadIntervalMs: 0,
  kubeEndpoint: null,
  serviceSelector: null,
  namespaceSelector: null,
  startupTimeoutMs: 5000,
  cache: {
    enabled: true,
    maxEntries: 10000,
    minTtl: 0,
    maxTtl: 3600,
    maxNegativeTtl: 1800,
    serveStaleSeconds: 0,
    prefetchHits: 0,
  },
  tcp: { idleTimeoutMs: 10000, maxConnections: 1000 },
  lameDuckMs: 5000,
  logLevel: 'info',
  logQueries: false,
  // Issue 6: one process per usable CPU (the cgroup quota in a pod, config/cpus.ts).
  workers: usableCpus(),
  nativeUdp: true,
  loadbalance: true,
  demoHint: false,
  autopath: false,
  autopathNamespaces: null,
  autopathSearch: null,
};
