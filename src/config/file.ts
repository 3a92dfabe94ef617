// The config file (`--config path`): one YAML document whose keys are the option names of
// options.ts (camelCase; `cache:` and `tcp:` are nested maps), plus the kube-dns ConfigMap keys
// `stubDomains` and `upstreamNameservers` (kubedns.ts). Every key and value is checked here, so
// an error names the file, the line and the field (CoreDNS does the same with Corefile lines);
// unknown keys are errors, because a misspelt key silently ignored is a setting that is not set.
//
// Precedence: DEFAULTS < config file < command-line flags (mergeOptions, resolveOptions).

import { readFileSync } from 'node:fs';
import type * as Yaml from 'yaml';
import type { Node, Pair } from 'yaml';
import { ConfigError, show } from './errors';
import { upstreamNameservers } from './kubedns';
import { DEFAULTS, type CacheOptions, type Options, type TcpOptions } from './options';
import { CACHE_FIELDS, FIELDS, OPTION_NAMES, TCP_FIELDS, validateOptions, type Fields } from './validate';
import type { Check } from './values';

/** What one source (the file, the flags) sets: any option; inside cache/tcp, any of their keys. */
export type OptionsLayer = Partial<Omit<Options, 'cache' | 'tcp'>> & {
  cache?: Partial<CacheOptions>;
  tcp?: Partial<TcpOptions>;
};

/** Keys that make no sense inside the file, with the reason given to the user. */
const REFUSED_KEYS: Record<string, string> = {
  config: 'set on the command line only (--config)',
  corefile: 'set on the command line only (-conf or --corefile)',
  federations: 'the kube-dns federations key is not supported (federation DNS was removed from Kubernetes)',
};

/** Reads, parses and checks a config file. Throws ConfigError (CDNS_CONFIG_*). */
export function loadConfigFile(path: string): OptionsLayer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ConfigError('CDNS_CONFIG_READ', `cannot read the config file (${why})`, { file: path });
  }
  return parseConfigText(text, path);
}

/** The parser alone, for tests and for callers that already hold the text; `file` names it in errors. */
export function parseConfigText(text: string, file: string): OptionsLayer {
  // `yaml` is required here, when a config file is read, not at start: a start without
  // --config does not pay for it in resident memory (issue 13).
  const { isMap, isScalar, isSeq, LineCounter, parseDocument } = require('yaml') as typeof Yaml;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (n: unknown): number | undefined => {
    const r = (n as Node | null)?.range;
    return r ? lines.linePos(r[0]).line : undefined;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    // yaml appends " at line N, column M:" and a source excerpt; the line goes in the place.
    const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError('CDNS_CONFIG_YAML', `invalid YAML: ${what}`, { file, line: e.linePos?.[0].line });
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return {}; // empty, or comments only
  if (!isMap(root)) {
    const got = isSeq(root) ? 'a list' : show((root as Node).toJSON());
    throw new ConfigError('CDNS_CONFIG_TYPE', `expected a map of option names at the top level, got ${got}`, { file, line: lineOf(root) });
  }
  const values = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  const layer: Record<string, unknown> = {};
  const present = new Set<string>();
  for (const pair of root.items as Pair<unknown, unknown>[]) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    if (typeof key !== 'string') {
      throw new ConfigError('CDNS_CONFIG_KEY', `expected an option name, got ${show(isScalar(pair.key) ? key : 'a ' + typeof key)}`, { file, line: lineOf(pair.key) });
    }
    try {
      setKey(layer, key, values[key], present);
    } catch (e) {
      if (e instanceof ConfigError) throw e.at(file, lineOfField(e.field ?? key, pair, lineOf));
      throw e;
    }
    present.add(key);
  }
  return layer as OptionsLayer;
}

function setKey(layer: Record<string, unknown>, key: string, value: unknown, present: Set<string>): void {
  if (key in REFUSED_KEYS) throw new ConfigError('CDNS_CONFIG_KEY', REFUSED_KEYS[key], { field: key });
  if (key === 'cache' || key === 'tcp') {
    layer[key] = key === 'cache' ? nested(key, value, CACHE_FIELDS) : nested(key, value, TCP_FIELDS);
    return;
  }
  // upstreamNameservers (kube-dns) and upstream both set the forwarders: one of them only.
  const other = key === 'upstream' ? 'upstreamNameservers' : key === 'upstreamNameservers' ? 'upstream' : '';
  if (other !== '' && present.has(other)) {
    throw new ConfigError('CDNS_CONFIG_CONFLICT', `cannot be used with ${other} (both set the upstream servers)`, { field: key });
  }
  if (key === 'upstreamNameservers') {
    const servers = upstreamNameservers(value, key);
    if (servers !== null) layer.upstream = servers;
    return;
  }
  if (!(OPTION_NAMES as string[]).includes(key)) throw unknownKey(key, [...OPTION_NAMES, 'upstreamNameservers']);
  layer[key] = (FIELDS[key as keyof Options] as Check<unknown>)(value, key);
}

function nested<T>(key: string, value: unknown, fields: Fields<T>): Partial<T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('CDNS_CONFIG_TYPE', `expected a map of ${Object.keys(fields).join(', ')}, got ${show(value)}`, { field: key });
  }
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!(k in fields)) throw unknownKey(`${key}.${k}`, Object.keys(fields), k);
    out[k as keyof T] = (fields[k as keyof T] as Check<T[keyof T]>)(v, `${key}.${k}`);
  }
  return out;
}

function unknownKey(field: string, names: string[], key = field): ConfigError {
  const hint = didYouMean(key, names);
  return new ConfigError('CDNS_CONFIG_KEY', hint ? `unknown key; did you mean ${hint}?` : 'unknown key', { field });
}

/** The closest name: same letters once case, `-` and `_` are ignored, else edit distance <= 2. */
export function didYouMean(key: string, names: string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const k = fold(key);
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = fold(n) === k ? 0 : distance(k, fold(n));
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The line of the node an error's field points at (`listen[1]`, `cache.maxTtl`,
 * `stubDomains["acme.local"][0]`), as deep as the YAML goes; a JSON string value stops the
 * descent at its own line.
 */
function lineOfField(field: string, pair: Pair<unknown, unknown>, lineOf: (n: unknown) => number | undefined): number | undefined {
  const { isMap, isScalar, isSeq } = require('yaml') as typeof Yaml; // loaded by parseConfigText already
  let line = lineOf(pair.key);
  let node: unknown = pair.value;
  const top = /^[^.[]+/.exec(field)?.[0].length ?? 0;
  const seg = /\.([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  seg.lastIndex = top;
  for (let m = seg.exec(field); m !== null; m = seg.exec(field)) {
    if (m[2] !== undefined && isSeq(node)) {
      node = node.items[Number(m[2])];
    } else if (m[2] === undefined && isMap(node)) {
      const name = m[1] ?? (JSON.parse(m[3]) as string);
      const p = node.items.find((it) => isScalar(it.key) && it.key.value === name);
      if (!p) break;
      line = lineOf(p.key) ?? line;
      node = p.value;
      continue;
    } else {
      break;
    }
    line = lineOf(node) ?? line;
  }
  return line;
}

/**
 * Layers merged left to right: a later layer's value replaces an earlier one (lists are
 * replaced whole, never concatenated); `undefined` leaves the value alone, `null` is a value
 * (e.g. `health: off`); `cache` and `tcp` merge key by key.
 */
export function mergeOptions(base: Options, ...layers: OptionsLayer[]): Options {
  const out: Options = { ...base, cache: { ...base.cache }, tcp: { ...base.tcp } };
  const target = out as unknown as Record<string, unknown>;
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      if (k === 'cache' || k === 'tcp') {
        for (const [nk, nv] of Object.entries(v as object)) if (nv !== undefined) (target[k] as Record<string, unknown>)[nk] = nv;
      } else {
        target[k] = v;
      }
    }
  }
  return out;
}

/**
 * The options a process runs with: DEFAULTS < the file named by `flags.config` < flags,
 * validated. What cli.ts calls at start-up, and again on a config reload (the flags stay).
 */
export function resolveOptions(flags: OptionsLayer, base: Options = DEFAULTS): Options {
  const file = typeof flags.config === 'string' ? loadConfigFile(flags.config) : {};
  return validateOptions(mergeOptions(base, file, flags));
}
