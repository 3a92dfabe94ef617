// What `clusterdns -conf FILE -validate` and `clusterdns check FILE` print: per block its zones
// and listen addresses, then each plugin's config in the order the chain runs it (plugin.cfg),
// then the process-wide settings and the warnings. Plain text, one line per plugin, so a diff
// of two runs shows what an edit changed.
import type { OptionsLayer } from '../config/file';
import type { BlockPlan } from '../config/plan';
import type { LoadedCorefile } from './compile';

const hp = (h: { host: string; port: number }) => (h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`);
const zone = (z: string) => (z === '' ? '.' : z);

/** name, config (without origin) in plugin.cfg order; absent plugins are left out. */
export function pluginsOf(b: BlockPlan): [string, unknown][] {
  const out: [string, unknown][] = [];
  const on = (name: string, v: boolean) => v && out.push([name, true]);
  on('errors', b.errors);
  on('log', b.log);
  on('any', b.any);
  on('loadbalance', b.loadbalance);
  if (b.cache) out.push(['cache', b.cache]);
  if (b.rewrite) out.push(['rewrite', b.rewrite]);
  if (b.autopath) out.push(['autopath', b.autopath]);
  for (const t of b.templates) out.push(['template', t]);
  if (b.hosts) out.push(['hosts', b.hosts]);
  if (b.k8sExternal) out.push(['k8s_external', b.k8sExternal]);
  if (b.kubernetes) out.push(['kubernetes', b.kubernetes]);
  for (const f of b.zoneFiles) out.push(['file', f]);
  on('loop', b.loop);
  if (b.forward) out.push(['forward', b.forward]);
  on('whoami', b.whoami);
  return out;
}

function show(v: unknown): string {
  if (v === true) return 'on';
  const { origin, ...rest } = v as Record<string, unknown>;
  return `${JSON.stringify(rest)}${typeof origin === 'string' ? `  (${origin})` : ''}`;
}

export function describeCorefile(c: LoadedCorefile): string {
  const lines: string[] = [];
  for (const b of c.plan.blocks) {
    lines.push(`block ${b.origin}: zones ${b.zones.map(zone).join(' ')}; listen ${b.listen.map(hp).join(' ')}`);
    const plugins = pluginsOf(b);
    if (plugins.length === 0) lines.push('  (no plugins: every query is SERVFAIL)');
    for (const [name, v] of plugins) lines.push(`  ${name.padEnd(12)} ${show(v)}`);
  }
  lines.push(...describeOptions(c.options));
  lines.push(`files: ${c.files.join(' ')}`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}

function describeOptions(o: OptionsLayer): string[] {
  const addr = (v: { host: string; port: number } | null | undefined) => (v ? hp(v) : 'off');
  const out = [`process: health ${addr(o.health)} (lame duck ${o.lameDuckMs ?? 0} ms); ready ${addr(o.ready)}; metrics ${addr(o.metrics)}; reload ${o.reloadIntervalMs ? `every ${o.reloadIntervalMs} ms` : 'on file change and SIGHUP'}`];
  const kube = Object.entries({
    kubeconfig: o.kubeconfig,
    context: o.context,
    endpoint: o.kubeEndpoint,
    namespaces: o.namespaces,
    labels: o.serviceSelector,
    namespace_labels: o.namespaceSelector,
    startupTimeoutMs: o.startupTimeoutMs,
  }).filter(([, v]) => v !== undefined && v !== null);
  if (kube.length > 0) out.push(`api: ${kube.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join('; ')}`);
  return out;
}
