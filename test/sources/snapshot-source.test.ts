// SnapshotSource (sources/snapshot.ts): first load, reload on change through the file watcher,
// a broken reload reported precisely while the last good view stays, unchanged text skipped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterStore } from '../../src/cluster/store';
import { recordKey, type ClusterObjects, type ClusterSink, type KindRecords, type ObjectKind } from '../../src/cluster/types';
import { SnapshotError, SnapshotSource } from '../../src/sources/snapshot';

/** A sink that records what the source did to it. */
class RecordingSink implements ClusterSink {
  readonly calls: string[] = [];
  last: ClusterObjects | null = null;
  upsert<K extends ObjectKind>(kind: K, _r: KindRecords[K]): void {
    this.calls.push(`upsert ${kind}`);
  }
  remove(kind: ObjectKind, key: string): void {
    this.calls.push(`remove ${kind} ${key}`);
  }
  replaceKind<K extends ObjectKind>(kind: K, _r: KindRecords[K][]): void {
    this.calls.push(`replaceKind ${kind}`);
  }
  replaceAll(o: ClusterObjects): void {
    this.calls.push('replaceAll');
    this.last = o;
  }
  markSynced(): void {
    this.calls.push('markSynced');
  }
  held<K extends ObjectKind>(kind: K, key: string): KindRecords[K] | undefined {
    const all: KindRecords[ObjectKind][] = this.last === null ? [] : { Service: this.last.services, EndpointSet: this.last.endpointSets, Pod: this.last.pods, Namespace: this.last.namespaces }[kind];
    return all.find((r) => recordKey(kind, r as never) === key) as KindRecords[K] | undefined;
  }
}

const svc = (name: string, ip: string, port = 80) =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: default }\nspec: { clusterIP: ${ip}, ports: [{ name: http, port: ${port} }] }\n`;

let tmp: string;
let file: string;
const sources: SnapshotSource[] = [];
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-src-'));
  file = path.join(tmp, 'snapshot.yaml');
});
afterEach(() => {
  while (sources.length) sources.pop()!.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function source(p: string, sink: ClusterSink, debounceMs = 20) {
  const loaded: string[][] = [];
  const errors: Error[] = [];
  const src = new SnapshotSource(p, sink, { loaded: (_o, files) => loaded.push(files), error: (e) => errors.push(e) }, debounceMs);
  sources.push(src);
  return { src, loaded, errors };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('start(): loads everything at once, then marks the sink synced', () => {
  fs.writeFileSync(file, svc('web', '10.96.0.1'));
  const sink = new RecordingSink();
  const { src, loaded } = source(file, sink);
  src.start();
  expect(sink.calls).toEqual(['replaceAll', 'markSynced']);
  expect(sink.last?.services.map((s) => s.name)).toEqual(['web']);
  expect(loaded).toEqual([[file]]);
});

test('start() on a broken snapshot throws: there is nothing to serve yet', () => {
  fs.writeFileSync(file, svc('web', '10.96.0.1', 70000));
  const sink = new RecordingSink();
  const { src } = source(file, sink);
  expect(() => src.start()).toThrow(SnapshotError);
  expect(sink.calls).toEqual([]);
});

test('a change on disk is picked up by the watcher', async () => {
  fs.writeFileSync(file, svc('web', '10.96.0.1'));
  const store = new ClusterStore();
  const { src } = source(file, store);
  src.start();
  expect(store.synced).toBe(true);
  const gen = store.generation;
  fs.writeFileSync(file, svc('web', '10.96.0.2'));
  await until(() => store.service('default', 'web')?.clusterIPs[0] === '10.96.0.2');
  expect(store.generation).toBeGreaterThan(gen);
});

test('a broken reload keeps the last good view and reports file, document, object and field', async () => {
  fs.writeFileSync(file, svc('web', '10.96.0.1'));
  const store = new ClusterStore();
  const { src, errors } = source(file, store);
  src.start();
  const gen = store.generation;
  fs.writeFileSync(file, `${svc('api', '10.96.0.5')}---\n${svc('web', '10.96.0.2', 70000)}`);
  await until(() => errors.length > 0);
  const e = errors[0] as SnapshotError;
  expect(e).toBeInstanceOf(SnapshotError);
  expect(e.code).toBe('CDNS_SNAPSHOT_FIELD');
  expect(e.message).toBe(`CDNS_SNAPSHOT_FIELD: ${file} doc 2 (Service default/web): spec.ports[0].port must be 1-65535, got 70000`);
  // Nothing of the broken file was applied, not even its good first document.
  expect(store.generation).toBe(gen);
  expect(store.service('default', 'web')?.clusterIPs).toEqual(['10.96.0.1']);
  expect(store.service('default', 'api')).toBeUndefined();
  expect(src.reload()).toBe(false);
  // Fixed: the next reload applies it.
  fs.writeFileSync(file, svc('web', '10.96.0.3'));
  expect(src.reload()).toBe(true);
  expect(store.service('default', 'web')?.clusterIPs).toEqual(['10.96.0.3']);
});

test('bad YAML on reload: CDNS_SNAPSHOT_YAML with file, document and line', () => {
  fs.writeFileSync(file, svc('web', '10.96.0.1'));
  const sink = new RecordingSink();
  const { src, errors } = source(file, sink);
  src.start();
  fs.writeFileSync(file, `${svc('web', '10.96.0.1')}---\nkind: Service\nmetadata: { name: x\n`);
  expect(src.reload()).toBe(false);
  expect(errors).toHaveLength(1);
  expect(errors[0].message).toMatch(/^CDNS_SNAPSHOT_YAML: .*snapshot\.yaml doc 2 line \d+: /);
  expect(sink.calls).toEqual(['replaceAll', 'markSynced']);
});

test('a reload with unchanged text does not touch the sink', () => {
  fs.writeFileSync(file, svc('web', '10.96.0.1'));
  const sink = new RecordingSink();
  const { src, loaded } = source(file, sink);
  src.start();
  expect(src.reload()).toBe(true);
  expect(sink.calls).toEqual(['replaceAll', 'markSynced']);
  expect(loaded).toHaveLength(1);
});

test('a directory: a file added to it is picked up', async () => {
  fs.writeFileSync(path.join(tmp, 'a.yaml'), svc('web', '10.96.0.1'));
  const store = new ClusterStore();
  const { src, loaded } = source(tmp, store);
  src.start();
  fs.writeFileSync(path.join(tmp, 'b.json'), JSON.stringify({ kind: 'Service', metadata: { name: 'api', namespace: 'default' }, spec: { clusterIP: '10.96.0.9' } }));
  await until(() => store.service('default', 'api') !== undefined);
  expect(loaded[loaded.length - 1].map((f) => path.basename(f))).toEqual(['a.yaml', 'b.json']);
});

test('after close() changes are no longer read', async () => {
  fs.writeFileSync(file, svc('web', '10.96.0.1'));
  const store = new ClusterStore();
  const { src } = source(file, store);
  src.start();
  src.close();
  fs.writeFileSync(file, svc('web', '10.96.0.2'));
  await new Promise((r) => setTimeout(r, 150));
  expect(store.service('default', 'web')?.clusterIPs).toEqual(['10.96.0.1']);
});

test('a reload hands over the records it already holds for unchanged objects (one view, not two; issue 13)', () => {
  const slice = (name: string, ip: string) =>
    `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: { name: ${name}, namespace: default, labels: { kubernetes.io/service-name: ${name} } }\naddressType: IPv4\nendpoints: [{ addresses: [${ip}] }]\n`;
  fs.writeFileSync(file, [svc('web', '10.96.0.1'), svc('api', '10.96.0.2'), slice('web', '10.244.0.1'), slice('api', '10.244.0.2')].join('---\n'));
  const sink = new RecordingSink();
  const { src } = source(file, sink);
  src.start();
  const first = sink.last!;
  fs.writeFileSync(file, [svc('web', '10.96.0.1'), svc('api', '10.96.0.9'), slice('web', '10.244.0.1'), slice('api', '10.244.0.3')].join('---\n'));
  expect(src.reload()).toBe(true);
  const second = sink.last!;
  expect(second).not.toBe(first);
  // The very same objects for what did not change: the new copies were dropped as they were read.
  expect(second.services[0]).toBe(first.services[0]);
  expect(second.endpointSets[0]).toBe(first.endpointSets[0]);
  expect(second.services[1]).not.toBe(first.services[1]);
  expect(second.services[1].clusterIPs).toEqual(['10.96.0.9']);
  expect(second.endpointSets[1]).not.toBe(first.endpointSets[1]);
});
