// The snapshot source (--snapshot FILE|DIR): Kubernetes objects from YAML or JSON files
// (multi-document, `List` kinds) fed into the same ClusterSink the API watcher feeds. It
// reloads on change; a broken file is reported precisely (file, document, object, field) and
// the last good view keeps serving (DESIGN §2, "errors are values at the edges").
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// js-yaml, not the `yaml` package the config file uses: for a 150,000-endpoint snapshot it
// parses in 1.6 s at 313 MB peak RSS where `yaml`'s document model takes 23 s and 1.3 GB
// (bench/README.md, measured on this project's machine). Documents are converted one at a
// time in its callback, so no raw object outlives its own conversion. Required only when a
// YAML file is read (readDocuments): a JSON snapshot or the API does not pay for it in
// resident memory (issue 13).
import type * as JsYaml from 'js-yaml';
import { sameRecord } from '../cluster/store';
import {
  recordKey,
  type ClusterObjects,
  type ClusterSink,
  type EndpointSetRecord,
  type KindRecords,
  type NamespaceRecord,
  type ObjectKind,
  type PodRecord,
  type ServiceRecord,
} from '../cluster/types';
import { ItemMemo, type ItemMemoLoad, type ItemRecord } from './item-memo';
import { JsonListSyntaxError, scanJsonList, type JsonListResult } from './json-list';
import { convertObject, FieldError } from './convert';

export class SnapshotError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'SnapshotError';
  }
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The files a snapshot path stands for: the file, or a directory's YAML/JSON files in name order. */
export function snapshotFiles(p: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw new SnapshotError('CDNS_SNAPSHOT_READ', `${p}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  if (!st.isDirectory()) return [p];
  return fs
    .readdirSync(p)
    // ConfigMap volumes hold `..data` and `..<timestamp>` entries beside the keys: skip dotfiles.
    .filter((f) => !f.startsWith('.') && EXTENSIONS.has(path.extname(f).toLowerCase()))
    .sort()
    .map((f) => path.join(p, f));
}

/**
 * The record the sink already holds for a key, if any: a reload hands over that very object
 * when the new one is the same (sameRecord), so an unchanged view is never built twice (issue 13).
 */
export type Reuse = (kind: ObjectKind, key: string) => KindRecords[ObjectKind] | undefined;

/** Every error of one load, each with its place; thrown as one SnapshotError. */
/**
 * `memo` (a source's, across its loads) lets the items of a JSON List that are byte for byte
 * the ones of the last load skip parsing: they become the records they became then.
 */
export function loadSnapshot(p: string, reuse?: Reuse, memo?: ItemMemoLoad): ClusterObjects {
  const out: ClusterObjects = { services: [], endpointSets: [], pods: [], namespaces: [] };
  const errors: string[] = [];
  for (const file of snapshotFiles(p)) {
    // A JSON file is read one List item at a time (sources/json-list.ts): never whole.
    if (file.toLowerCase().endsWith('.json') && readJsonList(file, out, errors, reuse, memo)) continue;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      errors.push(`CDNS_SNAPSHOT_READ: ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
      continue;
    }
    readDocuments(file, text, out, errors, reuse);
  }
  if (errors.length) {
    const more = errors.length > 10 ? `\n... and ${errors.length - 10} more` : '';
    throw new SnapshotError(errors[0].split(':')[0], errors.slice(0, 10).map((e) => e.replace(/^CDNS_[A-Z_]+: /, '')).join('\n') + more);
  }
  return out;
}

const isList = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && /List$/.test(String((value as { kind?: unknown }).kind ?? ''));

/** One document: a List's items, or one object. */
function document(value: unknown, where: string, out: ClusterObjects, errors: string[], reuse?: Reuse): void {
  if (value === null || value === undefined) return; // an empty document (a trailing ---)
  if (isList(value)) {
    const items = (value as { items?: unknown }).items;
    if (!Array.isArray(items)) {
      errors.push(`CDNS_SNAPSHOT_FIELD: ${where} (${(value as { kind: string }).kind}): items must be a list, got ${JSON.stringify(items)}`);
      return;
    }
    items.forEach((item, j) => take(item, `${where} items[${j}]`, out, errors, reuse));
    return;
  }
  take(value, where, out, errors, reuse);
}

/**
 * A .json file streamed (sources/json-list.ts). False when it must be read whole instead: it
 * is not a JSON object, or its `items` turned out not to be a List's (`kind` may come after
 * `items`, as kubectl writes it); what the stream added is taken back first.
 */
function readJsonList(file: string, out: ClusterObjects, errors: string[], reuse?: Reuse, memo?: ItemMemoLoad): boolean {
  const mark = { s: out.services.length, e: out.endpointSets.length, p: out.pods.length, n: out.namespaces.length, errors: errors.length, memo: memo?.mark() ?? 0 };
  const onItem = (item: unknown, j: number) => {
    const r = take(item, `${file} doc 1 items[${j}]`, out, errors, reuse);
    if (r !== undefined) memo?.note(r);
  };
  // An item read last time, byte for byte: what it became then, without parsing it.
  const onItemBytes =
    memo &&
    ((bytes: Buffer) => {
      const known = memo.lookup(bytes);
      if (known === undefined) return false;
      if (known !== null) push(out, known.kind, known.record);
      return true;
    });
  let r: JsonListResult | null;
  try {
    r = scanJsonList(file, onItem, onItemBytes);
  } catch (e) {
    if (e instanceof JsonListSyntaxError) {
      errors.push(`CDNS_SNAPSHOT_YAML: ${file} doc 1 line ${e.line}: not valid JSON: ${e.message}`);
      return true;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && !code.startsWith('CDNS_')) {
      errors.push(`CDNS_SNAPSHOT_READ: ${file}: cannot read (${code})`);
      return true;
    }
    throw e;
  }
  if (r !== null && r.streamedItems === isList(r.fields)) {
    if (!r.streamedItems) document(r.fields, `${file} doc 1`, out, errors, reuse);
    return true;
  }
  out.services.length = mark.s;
  out.endpointSets.length = mark.e;
  out.pods.length = mark.p;
  out.namespaces.length = mark.n;
  errors.length = mark.errors;
  memo?.rollback(mark.memo);
  return false;
}

function readDocuments(file: string, text: string, out: ClusterObjects, errors: string[], reuse?: Reuse): void {
  let i = 0;
  const one = (value: unknown) => {
    i++;
    document(value, `${file} doc ${i}`, out, errors, reuse);
  };
  let firstLine = 0;
  // A .json file is one JSON document: JSON.parse is the fastest reader of all.
  const yaml = file.toLowerCase().endsWith('.json') ? null : (require('js-yaml') as typeof JsYaml);
  try {
    if (yaml === null) one(JSON.parse(text));
    else {
      // One document at a time: js-yaml's loadAll builds every document of the stream before
      // the first callback, which at 150,000 endpoints holds all raw objects at once.
      for (const doc of yamlDocuments(text)) {
        firstLine = doc.line;
        yaml.loadAll(doc.text, one, { filename: file });
      }
    }
  } catch (e) {
    if (yaml !== null && e instanceof yaml.YAMLException) {
      const line = e.mark ? firstLine + e.mark.line : -1;
      const where = line >= 0 ? `doc ${documentAt(text, line)} line ${line + 1}` : `doc ${i + 1}`;
      errors.push(`CDNS_SNAPSHOT_YAML: ${file} ${where}: ${e.reason}`);
    } else if (e instanceof SyntaxError) {
      const pos = /position (\d+)/.exec(e.message);
      const line = pos ? ` line ${text.slice(0, Number(pos[1])).split('\n').length}` : '';
      errors.push(`CDNS_SNAPSHOT_YAML: ${file} doc 1${line}: not valid JSON: ${e.message}`);
    } else throw e;
  }
}

/**
 * The documents of a YAML stream, split at `---` lines. A `---` at the start of a line always
 * starts a document in the files a snapshot holds (block scalars are indented), and a
 * directive (`%YAML`) stays with the document it precedes.
 */
function* yamlDocuments(text: string): Generator<{ text: string; line: number }> {
  const starts = [0];
  const sep = /^---(?=\s|$)/gm;
  for (let m = sep.exec(text); m !== null; m = sep.exec(text)) if (m.index > 0) starts.push(m.index);
  let line = 0;
  for (let k = 0; k < starts.length; k++) {
    const end = k + 1 < starts.length ? starts[k + 1] : text.length;
    const chunk = text.slice(starts[k], end);
    // Comments before the first `---` are no document of their own.
    if (k > 0 || /^(?!\s*(#|$|---\s*$|%))/m.test(chunk)) yield { text: chunk, line };
    line += countLines(text, starts[k], end);
  }
}

function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** 1-based number of the YAML document holding a 0-based line. */
function documentAt(text: string, line: number): number {
  const lines = text.split('\n', line + 1);
  let doc = 1;
  let content = false;
  for (let i = 0; i < lines.length && i <= line; i++) {
    const l = lines[i];
    if (/^---(\s|$)/.test(l)) {
      if (content) doc++;
      content = false;
      if (l.trim() !== '---') content = true; // `--- {inline}` starts a document with content
    } else if (l.trim() !== '' && !l.trimStart().startsWith('#')) content = true;
  }
  return doc;
}

function describe(o: unknown): string {
  if (typeof o !== 'object' || o === null) return typeof o;
  const x = o as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const kind = typeof x.kind === 'string' ? x.kind : '(no kind)';
  const name = typeof x.metadata?.name === 'string' ? x.metadata.name : '(no name)';
  const ns = typeof x.metadata?.namespace === 'string' ? `${x.metadata.namespace}/` : kind === 'Namespace' ? '' : 'default/';
  return `${kind} ${ns}${name}`;
}

/** Converts one object into `out`: what it became (null: a kind DNS does not read), or undefined on an error. */
function take(o: unknown, where: string, out: ClusterObjects, errors: string[], reuse?: Reuse): ItemRecord | undefined {
  try {
    const c = convertObject(o);
    if (c === null) return null;
    let record: KindRecords[ObjectKind] = c.record;
    if (reuse) {
      const held = reuse(c.kind, recordKey(c.kind, record as never));
      if (held !== undefined && sameRecord(held, record)) record = held;
    }
    push(out, c.kind, record);
    return { kind: c.kind, record };
  } catch (e) {
    if (e instanceof FieldError) errors.push(`${e.code}: ${where} (${describe(o)}): ${e.message}`);
    else throw e;
    return undefined;
  }
}

function push(out: ClusterObjects, kind: ObjectKind, record: KindRecords[ObjectKind]): void {
  if (kind === 'Service') out.services.push(record as ServiceRecord);
  else if (kind === 'EndpointSet') out.endpointSets.push(record as EndpointSetRecord);
  else if (kind === 'Pod') out.pods.push(record as PodRecord);
  else out.namespaces.push(record as NamespaceRecord);
}

/** sha256 over every file's bytes (and its name), read in chunks; unreadable files count as such. */
function digestFiles(files: string[]): string {
  const h = createHash('sha256');
  const chunk = Buffer.allocUnsafeSlow(1 << 18);
  for (const f of files) {
    h.update(`\0${f}\0`);
    let fd: number;
    try {
      fd = fs.openSync(f, 'r');
    } catch {
      h.update('\0unreadable');
      continue;
    }
    try {
      for (let n = fs.readSync(fd, chunk, 0, chunk.length, null); n > 0; n = fs.readSync(fd, chunk, 0, chunk.length, null)) h.update(chunk.subarray(0, n));
    } catch {
      h.update('\0unreadable');
    } finally {
      fs.closeSync(fd);
    }
  }
  return h.digest('hex');
}

export interface SnapshotEvents {
  loaded(objects: ClusterObjects, files: string[]): void;
  /** A reload failed; the last good view keeps serving. */
  error(err: Error): void;
}

/**
 * Loads a snapshot into a sink and keeps it current. Watching the directory (not the file)
 * sees editors' rename-on-save and ConfigMap symlink swaps alike.
 */
export class SnapshotSource {
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Digest of the files last loaded: a reload that would change nothing is skipped. */
  private lastDigest = '';
  /** The List items of the last load by their bytes: a reload does not parse those again. */
  private readonly memo = new ItemMemo();

  constructor(
    private readonly p: string,
    private readonly sink: ClusterSink,
    private readonly events: SnapshotEvents,
    private readonly debounceMs = 100,
  ) {}

  /** First load: throws a SnapshotError when the snapshot is unusable (nothing to serve yet). */
  start(): void {
    this.load(true);
    this.sink.markSynced();
    const st = fs.statSync(this.p);
    const dir = st.isDirectory() ? this.p : path.dirname(this.p);
    try {
      this.watcher = fs.watch(dir, () => this.schedule());
      this.watcher.on('error', (e) => this.events.error(e));
    } catch (e) {
      this.events.error(e as Error);
    }
  }

  /** Reload now (SIGHUP, tests). Returns false when the snapshot was broken and kept. */
  reload(): boolean {
    try {
      this.load(false);
      return true;
    } catch (e) {
      this.events.error(e as Error);
      return false;
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reload();
    }, this.debounceMs);
    this.timer.unref();
  }

  private load(first: boolean): void {
    const files = snapshotFiles(this.p);
    // Skip a reload that would change nothing (editors touch files; ConfigMaps re-sync). A
    // digest, not the text: the text of a 36 MB snapshot kept for this was 36 MB for ever.
    const digest = digestFiles(files);
    if (!first && digest === this.lastDigest) return;
    const memo = this.memo.begin();
    const objects = loadSnapshot(this.p, (kind, key) => this.sink.held(kind, key), memo);
    this.lastDigest = digest;
    this.sink.replaceAll(objects);
    this.memo.commit(memo);
    this.events.loaded(objects, files);
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
  }
}
