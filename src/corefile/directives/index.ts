// Every directive the Corefile front end knows: the ones it turns into plan entries, the
// CoreDNS plugins it accepts and ignores with a warning (they change nothing a client sees, or
// only CoreDNS internals), and the ones it refuses because ignoring them would change answers
// or security (acl, dnssec, etcd, ...). A name in none of these is a typo: CDNS_COREFILE_UNKNOWN.
import type { DirectiveSpec } from '../context';
import { autopath } from './autopath';
import { bind } from './bind';
import { cache } from './cache';
import { file } from './file';
import { any, errors, loadbalance, log, loop, whoami } from './flags';
import { forward } from './forward';
import { hosts } from './hosts';
import { k8sExternal } from './k8s-external';
import { kubernetes } from './kubernetes';
import { debug, health, prometheus, ready, reload } from './ops';
import { proxy } from './proxy';
import { rewrite } from './rewrite';
import { template } from './template';

export const DIRECTIVES: Record<string, DirectiveSpec> = {
  reload: { setup: reload },
  bind: { setup: bind, repeat: true },
  debug: { setup: debug },
  ready: { setup: ready },
  health: { setup: health },
  prometheus: { setup: prometheus },
  errors: { setup: errors },
  log: { setup: log, repeat: true },
  any: { setup: any },
  loadbalance: { setup: loadbalance },
  cache: { setup: cache },
  rewrite: { setup: rewrite, repeat: true },
  autopath: { setup: autopath },
  template: { setup: template, repeat: true },
  hosts: { setup: hosts },
  k8s_external: { setup: k8sExternal },
  kubernetes: { setup: kubernetes },
  file: { setup: file, repeat: true },
  loop: { setup: loop },
  forward: { setup: forward },
  proxy: { setup: proxy },
  whoami: { setup: whoami },
};

/** Accepted and ignored, with the reason in the warning. */
export const IGNORED: Record<string, string> = {
  cancel: 'queries are always bounded by the upstream timeout',
  bufsize: 'the EDNS buffer size is fixed at 1232 (DNS flag day 2020)',
  pprof: 'no Go profiler; use node --inspect',
  trace: 'no tracing',
  metadata: 'no metadata consumers',
  nsid: 'no NSID option is sent',
  minimal: 'answers carry no extra authority records already',
  timeouts: 'TCP idle timeouts are set with the tcp options',
  chaos: 'CH class version queries are not answered',
  dnstap: 'no dnstap output',
  root: 'relative paths are read from the Corefile\'s folder',
  tls: 'only dns:// servers are served',
  local: 'localhost names go through the chain',
  transfer: 'zone transfers are not served',
  header: 'header bits are set by the server',
  on: 'no event hooks',
};

/** Known CoreDNS plugins that change answers; refused instead of silently ignored. */
export const UNSUPPORTED = [
  'acl', 'auto', 'azure', 'clouddns', 'dns64', 'dnssec', 'erratic', 'etcd', 'federation', 'geoip',
  'grpc', 'route53', 'secondary', 'sign', 'view', 'fanout', 'nomad', 'tsig', 'multisocket', 'quic', 'https3',
];

/** CoreDNS's plugin.cfg order: how a block's chain runs, whatever the order of the file. */
export const PLUGIN_ORDER = [
  'metadata', 'cancel', 'tls', 'timeouts', 'multisocket', 'reload', 'nsid', 'bufsize', 'root', 'bind', 'debug', 'trace',
  'ready', 'health', 'pprof', 'prometheus', 'errors', 'log', 'dnstap', 'local', 'dns64', 'acl', 'any', 'chaos',
  'loadbalance', 'tsig', 'cache', 'rewrite', 'header', 'dnssec', 'autopath', 'minimal', 'template', 'transfer',
  'hosts', 'route53', 'azure', 'clouddns', 'k8s_external', 'kubernetes', 'file', 'auto', 'secondary', 'etcd',
  'loop', 'forward', 'grpc', 'erratic', 'whoami', 'on', 'sign', 'view',
  // Not in plugin.cfg: the legacy proxy ran where forward runs.
  'proxy',
];
