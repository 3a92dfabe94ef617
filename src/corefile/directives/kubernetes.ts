// kubernetes [ZONES...] { endpoint; tls; kubeconfig FILE [CONTEXT]; namespaces; namespace_labels;
// labels; pods; endpoint_pod_names; ttl; noendpoints; fallthrough [ZONES]; ignore empty_service;
// startup_timeout } (plugin/kubernetes README). ZONES default to the block's zones; CIDRs among
// them become their reverse zones, served from the view. Defaults are CoreDNS's, not the flags':
// pods disabled, ttl 5. The API connection and the watch filters are process-wide (one watch
// feeds every block), so they also go to the options layer.
import type { KubernetesPlan } from '../../config/plan';
import type { PodMode } from '../../config/options';
import type { Line } from '../args';
import { filePath, origin, warn, type BlockContext } from '../context';
import { fallthrough } from './fallthrough';

const OPTIONS = [
  'endpoint',
  'tls',
  'kubeconfig',
  'namespaces',
  'namespace_labels',
  'labels',
  'pods',
  'endpoint_pod_names',
  'ttl',
  'noendpoints',
  'fallthrough',
  'ignore',
  'startup_timeout',
  'apiserver_qps',
  'apiserver_burst',
  'apiserver_max_inflight',
  'multicluster',
];

export function kubernetes(line: Line, ctx: BlockContext): void {
  const zones = line.args.length > 0 ? line.zones(line.args) : ctx.zones;
  const plan: KubernetesPlan = {
    origin: origin(line),
    zones,
    ttl: 5,
    pods: 'disabled',
    namespaces: null,
    namespaceLabels: null,
    labels: null,
    endpointPodNames: false,
    ignoreEmptyService: false,
    noEndpoints: false,
    fallthrough: null,
  };
  const p = ctx.process;
  let endpoint: string | null = null;
  let kubeconfig: { file: string; context: string | null } | null = null;
  for (const o of line.block()) {
    switch (o.name) {
      case 'endpoint': {
        const [url] = o.count(1, Infinity, 'endpoint URL');
        if (!/^https?:\/\/[^\s/]+/.test(url.text)) throw o.fail(`expected an http:// or https:// URL, got "${url.text}"`, url);
        if (o.args.length > 1) warn(ctx, o, `only the first URL is used (${url.text})`);
        endpoint = url.text;
        break;
      }
      case 'tls':
        o.count(3, 3, 'tls CERT KEY CACERT');
        throw o.fail('client certificates for endpoint are not supported; expected kubeconfig FILE [CONTEXT] with the certificates in it', o.d.name, 'CDNS_COREFILE_UNSUPPORTED');
      case 'kubeconfig': {
        const [file, context] = o.count(1, 2, 'kubeconfig FILE [CONTEXT]');
        kubeconfig = { file: filePath(o, file.text), context: context?.text ?? null };
        break;
      }
      case 'namespaces':
        plan.namespaces = o.count(1, Infinity, 'namespaces NAMESPACE...').map((t) => {
          if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(t.text)) throw o.fail(`expected a namespace name, got "${t.text}"`, t);
          return t.text;
        });
        break;
      case 'namespace_labels':
        plan.namespaceLabels = o.count(1, Infinity, 'namespace_labels EXPRESSION').map((t) => t.text).join(' ');
        break;
      case 'labels':
        plan.labels = o.count(1, Infinity, 'labels EXPRESSION').map((t) => t.text).join(' ');
        break;
      case 'pods':
        plan.pods = o.oneOf(o.count(1, 1, 'pods disabled|insecure|verified')[0], ['disabled', 'insecure', 'verified'] as const) as PodMode;
        break;
      case 'endpoint_pod_names':
        o.count(0, 0, 'endpoint_pod_names');
        plan.endpointPodNames = true;
        break;
      case 'ttl':
        plan.ttl = o.int(o.count(1, 1, 'ttl SECONDS')[0], 0, 3600, 'a TTL in seconds');
        break;
      case 'noendpoints':
        o.count(0, 0, 'noendpoints');
        plan.noEndpoints = true;
        break;
      case 'fallthrough':
        plan.fallthrough = fallthrough(o);
        break;
      case 'ignore':
        o.oneOf(o.count(1, 1, 'ignore empty_service')[0], ['empty_service'] as const);
        plan.ignoreEmptyService = true;
        break;
      case 'startup_timeout':
        p.set('startupTimeoutMs', o.duration(o.count(1, 1, 'startup_timeout DURATION')[0], 'a start-up timeout'), o);
        break;
      case 'apiserver_qps':
      case 'apiserver_burst':
      case 'apiserver_max_inflight':
      case 'multicluster':
        warn(ctx, o, 'ignored (clusterdns has no client-side API rate limit and no multicluster zones)');
        break;
      case 'resyncperiod':
        warn(ctx, o, 'ignored: removed from CoreDNS (1.7); the watch keeps the view current without a resync');
        break;
      case 'upstream':
        warn(ctx, o, 'ignored: removed from CoreDNS (1.7); ExternalName targets are resolved through the block\'s forward');
        break;
      case 'transfer':
        warn(ctx, o, 'ignored: zone transfers are not served');
        break;
      default:
        throw o.unknown(OPTIONS);
    }
  }
  if (endpoint !== null && kubeconfig !== null) throw line.fail('expected either endpoint or kubeconfig, not both');
  if (kubeconfig !== null) {
    p.set('kubeconfig', kubeconfig.file, line);
    p.set('context', kubeconfig.context, line);
  }
  if (endpoint !== null) p.set('kubeEndpoint', endpoint, line);
  // The watch is shared: its filters and pod watch are process-wide.
  p.set('namespaces', plan.namespaces, line);
  p.set('serviceSelector', plan.labels, line);
  p.set('namespaceSelector', plan.namespaceLabels, line);
  p.set('pods', plan.pods, line);
  p.set('endpointPodNames', plan.endpointPodNames, line);
  const cluster = zones.find((z) => z !== '' && !z.endsWith('.arpa'));
  if (cluster !== undefined) p.setDefault('clusterDomain', cluster, line);
  ctx.plan.kubernetes = plan;
}
