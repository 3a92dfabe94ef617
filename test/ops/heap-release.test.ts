// ops/heap-release.ts (issue 13): one full collection after bulk loads stop, never one per
// load of a burst; the store says when a bulk apply ended. And the V8 flags the image runs
// with (manifests/node-flags) are the ones the Dockerfile and `npm start` pass.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { HeapRelease } from '../../src/ops/heap-release';
import { ClusterStore } from '../../src/cluster/store';
import { service } from '../support/cluster-view';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a burst of bulk applies gets one collection, after it ends', async () => {
  const h = new HeapRelease(100);
  const store = new ClusterStore();
  store.onBulkApplied(() => h.schedule());
  store.replaceAll({ namespaces: [], services: [service('default', 'a')], endpointSets: [], pods: [] });
  await sleep(50);
  store.replaceKind('Service', [service('default', 'b')]); // a re-list, kind after kind
  await sleep(50);
  expect(h.runs).toBe(0); // still loading
  await sleep(150);
  expect(h.runs).toBe(1);
  store.upsert('Service', service('default', 'c')); // a watch event is no bulk load
  await sleep(150);
  expect(h.runs).toBe(1);
  h.close();
});

test('the collection is a full one: the old generation of a load is freed', () => {
  // What a load leaves: objects that lived long enough to be promoted, then dropped. A scavenge
  // (what gc({ type: 'major' }) does on Node 20) does not touch them.
  let load: { name: string; n: number }[] | null = [];
  for (let i = 0; i < 400_000; i++) load.push({ name: `svc-${i}`, n: i });
  const h = new HeapRelease();
  h.collectNow(); // promotes the live load to the old generation
  const held = v8.getHeapStatistics().used_heap_size;
  expect(load.length).toBe(400_000); // read after the collection, so it was alive through it
  load = null;
  h.collectNow();
  const after = v8.getHeapStatistics().used_heap_size;
  expect(h.runs).toBe(2);
  expect(held - after).toBeGreaterThan(20 * 1024 * 1024); // the ~30 MB of the load
});

test('replaceAll says it once, not once per kind', () => {
  const store = new ClusterStore();
  let n = 0;
  store.onBulkApplied(() => n++);
  store.replaceAll({ namespaces: [{ name: 'default' }], services: [service('default', 'a')], endpointSets: [], pods: [] });
  expect(n).toBe(1);
});

test('the Dockerfile and npm start run node with manifests/node-flags', () => {
  const root = path.join(__dirname, '..', '..');
  const flags = fs.readFileSync(path.join(root, 'manifests/node-flags'), 'utf8').trim().split(/\s+/);
  expect(flags.length).toBeGreaterThan(0);
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8'))![1];
  expect(JSON.parse(entry)).toEqual(['/nodejs/bin/node', ...flags, 'dist/cli.js', 'serve']);
  const start = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start as string;
  expect(start.startsWith(`node ${flags.join(' ')} dist/cli.js serve `)).toBe(true);
});
