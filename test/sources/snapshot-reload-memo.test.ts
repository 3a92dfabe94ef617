// A snapshot reload does not parse again the JSON List items it read last time (issue 13,
// sources/item-memo.ts): they become the records they became then. Proved through the real
// SnapshotSource and ClusterStore: what is parsed (JSON.parse calls per item), what is served,
// and that a broken or changed item is never taken from the memo.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterStore } from '../../src/cluster/store';
import { SnapshotSource } from '../../src/sources/snapshot';

const service = (i: number, ip = `10.96.0.${i}`, port = 80) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: `svc-${i}`, namespace: 'default' },
  spec: { clusterIP: ip, ports: [{ name: 'http', port }] },
});
const slice = (i: number, ip = `10.244.0.${i}`) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `svc-${i}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [ip], conditions: { ready: true } }],
});
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, data: { a: 'b' } };

let tmp: string;
let file: string;
let src: SnapshotSource | null = null;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-memo-'));
  file = path.join(tmp, 'snapshot.json');
});
afterEach(() => {
  src?.close();
  src = null;
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Writes a List as kubectl does (one item per line here, any layout works). */
function write(items: unknown[]): void {
  fs.writeFileSync(file, `{"apiVersion":"v1","kind":"List","items":[\n${items.map((o) => JSON.stringify(o)).join(',\n')}\n],"metadata":{}}\n`);
}

function start(): { store: ClusterStore; errors: Error[] } {
  const store = new ClusterStore();
  const errors: Error[] = [];
  src = new SnapshotSource(file, store, { loaded: () => {}, error: (e) => errors.push(e) }, 10_000);
  src.start();
  return { store, errors };
}

/** The List items JSON.parse is handed while fn runs (their names). */
function parsedItems(fn: () => void): string[] {
  const real = JSON.parse;
  const names: string[] = [];
  jest.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: (k: string, v: unknown) => unknown) => {
    const v = real(text, reviver);
    if (v !== null && typeof v === 'object' && typeof v.kind === 'string' && v.kind !== 'List') names.push(`${v.kind} ${v.metadata?.name}`);
    return v;
  });
  try {
    fn();
  } finally {
    (JSON.parse as jest.Mock).mockRestore();
  }
  return names;
}

test('a reload parses only the items whose bytes changed, and serves the change', () => {
  const items = [configMap, ...[1, 2, 3].map((i) => service(i)), ...[1, 2, 3].map((i) => slice(i))];
  write(items);
  const { store } = start();
  const before = { web: store.service('default', 'svc-1'), set: store.endpointSets.get('slice:default/svc-1-abc') };

  items[2] = service(2, '10.96.1.2'); // one Service changed
  items[6] = slice(3, '10.244.9.3'); // one slice changed
  write(items);
  expect(parsedItems(() => expect(src!.reload()).toBe(true))).toEqual(['Service svc-2', 'EndpointSlice svc-3-abc']);

  expect(store.service('default', 'svc-2')?.clusterIPs).toEqual(['10.96.1.2']);
  expect(store.endpointsOf('default', 'svc-3').map((e) => e.address)).toEqual(['10.244.9.3']);
  // Unchanged items are the very records already held: one view, not two.
  expect(store.service('default', 'svc-1')).toBe(before.web);
  expect(store.endpointSets.get('slice:default/svc-1-abc')).toBe(before.set);
});

test('items moved, removed and added: the memo is by content, not by position', () => {
  write([service(1), service(2), service(3)]);
  const { store } = start();
  write([service(3), service(4), service(1)]);
  expect(parsedItems(() => expect(src!.reload()).toBe(true))).toEqual(['Service svc-4']);
  expect([...store.services.keys()].sort()).toEqual(['default/svc-1', 'default/svc-3', 'default/svc-4']);
});

test('a broken reload is reported and teaches the memo nothing; the next good one uses the last good load', () => {
  write([service(1), service(2)]);
  const { store, errors } = start();
  write([service(1), service(2, '10.96.0.2', 70000)]);
  expect(src!.reload()).toBe(false);
  expect(errors[0].message).toContain('items[1] (Service default/svc-2): spec.ports[0].port must be 1-65535, got 70000');
  expect(store.service('default', 'svc-2')?.clusterIPs).toEqual(['10.96.0.2']);

  // The same broken item again: parsed again and reported again, never taken from the memo.
  write([service(1), service(2, '10.96.0.2', 70000), service(3)]);
  expect(parsedItems(() => expect(src!.reload()).toBe(false))).toEqual(['Service svc-2', 'Service svc-3']);
  expect(errors).toHaveLength(2);

  // Fixed: svc-1 comes from the memo of the first (last good) load.
  write([service(1), service(2, '10.96.0.22'), service(3)]);
  expect(parsedItems(() => expect(src!.reload()).toBe(true))).toEqual(['Service svc-2', 'Service svc-3']);
  expect(store.service('default', 'svc-2')?.clusterIPs).toEqual(['10.96.0.22']);
  expect(store.service('default', 'svc-3')?.clusterIPs).toEqual(['10.96.0.3']);
});

test('a kind DNS does not read is remembered as nothing, and stays nothing', () => {
  write([configMap, service(1)]);
  const { store } = start();
  write([configMap, service(1), service(2)]);
  expect(parsedItems(() => expect(src!.reload()).toBe(true))).toEqual(['Service svc-2']);
  expect([...store.services.keys()].sort()).toEqual(['default/svc-1', 'default/svc-2']);
});

test('an object whose items are no List items is read whole, and its streamed items are not remembered', () => {
  // `kind` after `items`: streamed first, then found not to be a List and read whole.
  const notList = (name: string) => `{"items":[${JSON.stringify(service(1))}],"kind":"Service","apiVersion":"v1","metadata":{"name":"${name}","namespace":"default"},"spec":{"clusterIP":"10.96.5.5"}}`;
  fs.writeFileSync(file, notList('odd'));
  const { store } = start();
  expect([...store.services.keys()]).toEqual(['default/odd']);
  // Now a real List holding the very bytes that were streamed before: parsed, not recalled.
  fs.writeFileSync(file, `{"kind":"List","items":[${JSON.stringify(service(1))}]}`);
  expect(parsedItems(() => expect(src!.reload()).toBe(true))).toEqual(['Service svc-1']);
  expect([...store.services.keys()]).toEqual(['default/svc-1']);
});
