// A Corefile to the server model (config/plan.ts) and the process-wide options it implies: the
// one entry point of the Corefile front end. Each server block's keys give its zones and ports
// (a block whose keys name two ports becomes one BlockPlan per port, sharing the directives,
// as CoreDNS makes one server per key); each directive goes to its setup (directives/), in the
// file's order, and the plan says nothing of order: the chain runs in plugin.cfg order
// (directives/index.ts PLUGIN_ORDER). Errors are CorefileErrors; warnings are returned.
import type { OptionsLayer } from '../config/file';
import { didYouMean } from '../config/file';
import type { HostPort } from '../config/options';
import { emptyBlock, type BlockPlan, type ServerPlan } from '../config/plan';
import { Line } from './args';
import type { BlockContext } from './context';
import { finishAutopath } from './directives/autopath';
import { DIRECTIVES, IGNORED, PLUGIN_ORDER, UNSUPPORTED } from './directives/index';
import type { Env } from './env';
import { CorefileError } from './errors';
import { parseKey } from './keys';
import { parseCorefile, type ServerBlockAst } from './parse';
import { ProcessSettings } from './process';

export interface LoadedCorefile {
  plan: ServerPlan;
  options: OptionsLayer;
  /** Every file read: the Corefile, its imports, resolv.conf files named beside addresses. */
  files: string[];
  warnings: string[];
}

export interface CorefileFlags {
  /** CoreDNS `-dns.port`: the port of keys that name none (default 53). */
  dnsPort?: number;
}

export function loadCorefile(path: string, env: Env = process.env, flags: CorefileFlags = {}): LoadedCorefile {
  const warnings: string[] = [];
  const parsed = parseCorefile(path, { env, snippets: new Map(), files: [], warnings });
  const files = [...parsed.files];
  const proc = new ProcessSettings(warnings);
  const blocks: BlockPlan[] = [];
  for (const ast of parsed.blocks) blocks.push(...compileBlock(ast, proc, warnings, files, flags.dnsPort ?? 53));
  checkOverlaps(blocks);
  const options: OptionsLayer = { ...proc.layer, corefile: path };
  // As in CoreDNS, an endpoint the Corefile does not name is off, and there is no lame duck
  // unless `health { lameduck }` asks for one, nor periodic reload without `reload`.
  options.health ??= null;
  options.ready ??= null;
  options.metrics ??= null;
  options.lameDuckMs ??= 0;
  options.reloadIntervalMs ??= 0;
  // Process-wide switches of the flags path, on when any block asks (the plan says which).
  options.loadbalance = blocks.some((b) => b.loadbalance);
  options.autopath = blocks.some((b) => b.autopath !== null);
  return { plan: { blocks }, options, files: [...new Set(files)], warnings };
}


function compileBlock(ast: ServerBlockAst, proc: ProcessSettings, warnings: string[], files: string[], dnsPort: number): BlockPlan[] {
  const first = ast.keys[0];
  const origin = `${first.file}:${first.line}`;
  const byPort = new Map<number, string[]>();
  for (const k of ast.keys) {
    const key = parseKey(k);
    const port = key.port ?? dnsPort;
    byPort.set(port, [...new Set([...(byPort.get(port) ?? []), ...key.zones])]);
  }
  const ctx: BlockContext = {
    plan: emptyBlock(origin, [], [], false),
    zones: [...new Set([...byPort.values()].flat())],
    binds: [],
    process: proc,
    warnings,
    files,
  };
  const seen = new Map<string, string>();
  for (const d of ast.directives) {
    const name = d.name.text;
    const place = { file: d.name.file, line: d.name.line, directive: name };
    const spec = DIRECTIVES[name];
    if (spec === undefined) {
      if (name in IGNORED) {
        warnings.push(`${place.file}:${place.line}: ${name}: ignored (${IGNORED[name]})`);
        continue;
      }
      if (UNSUPPORTED.includes(name)) {
        throw new CorefileError('CDNS_COREFILE_UNSUPPORTED', `the CoreDNS plugin ${name} is not supported by clusterdns; see clusterdns -plugins`, place);
      }
      const hint = didYouMean(name, PLUGIN_ORDER);
      throw new CorefileError('CDNS_COREFILE_UNKNOWN', `unknown directive; ${hint === undefined ? 'expected a plugin name (clusterdns -plugins lists them)' : `did you mean ${hint}?`}`, place);
    }
    const prev = seen.get(name);
    if (prev !== undefined && spec.repeat !== true) {
      throw new CorefileError('CDNS_COREFILE_DUPLICATE', `already given at ${prev}; expected once per server block`, place);
    }
    seen.set(name, `${place.file}:${place.line}`);
    spec.setup(new Line(d), ctx);
  }
  finishAutopath(ctx);
  const hosts: HostPort[] = ctx.binds.length > 0 ? ctx.binds : [{ host: '0.0.0.0', port: 0 }];
  return [...byPort].map(([port, zones]) => ({ ...ctx.plan, zones, listen: hosts.map((h) => ({ host: h.host, port })) }));
}

/** corefile(5): a zone and port served by two blocks is an error (unless bind sets them apart). */
function checkOverlaps(blocks: BlockPlan[]): void {
  const served = new Map<string, { hosts: string[]; origin: string }[]>();
  for (const b of blocks) {
    for (const zone of b.zones) {
      for (const port of new Set(b.listen.map((l) => l.port))) {
        const key = `${zone}|${port}`;
        const hosts = b.listen.filter((l) => l.port === port).map((l) => l.host);
        for (const other of served.get(key) ?? []) {
          const wild = (h: string) => h === '0.0.0.0' || h === '::';
          if (hosts.some((h) => wild(h) || other.hosts.includes(h)) || other.hosts.some(wild)) {
            const [file, line] = splitOrigin(b.origin);
            throw new CorefileError('CDNS_COREFILE_KEY', `zone ${zone === '' ? '.' : zone} on port ${port} is already served by the block at ${other.origin}; expected each zone and port once`, { file, line });
          }
        }
        served.set(key, [...(served.get(key) ?? []), { hosts, origin: b.origin }]);
      }
    }
  }
}

function splitOrigin(origin: string): [string, number] {
  const i = origin.lastIndexOf(':');
  return [origin.slice(0, i), Number(origin.slice(i + 1))];
}
