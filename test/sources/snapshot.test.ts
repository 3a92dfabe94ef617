// loadSnapshot / snapshotFiles (sources/snapshot.ts): YAML and JSON, multi-document, List
// kinds, directories, and errors that name the file, the document, the object and the field
// (STYLE rule 11: `CDNS_SNAPSHOT_FIELD: zones/demo.yaml doc 3 (Service default/web): ...`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSnapshot, snapshotFiles, SnapshotError } from '../../src/sources/snapshot';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-snap-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

function errorOf(fn: () => unknown): SnapshotError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SnapshotError);
    return e as SnapshotError;
  }
  throw new Error('expected a SnapshotError, nothing was thrown');
}

const NS = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: default }\n';
const WEB = 'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: default }\nspec: { clusterIP: 10.96.12.34, ports: [{ name: http, port: 80 }] }\n';

describe('loading', () => {
  test('the main e2e fixture loads, with every kind counted', () => {
    const o = loadSnapshot(path.join(FIXTURES, 'cluster.yaml'));
    expect(o.namespaces.map((n) => n.name).sort()).toEqual(['default', 'kube-system', 'quiet', 'secret']);
    expect(o.services.find((s) => s.name === 'db')).toMatchObject({ kind: 'Headless', namespace: 'default' });
    expect(o.services).toHaveLength(24);
    expect(o.pods.map((p) => p.name).sort()).toEqual(['dualpod', 'vault-0', 'web-5d9f-abcde']);
    // Slices and Endpoints objects both become endpoint sets; the ConfigMap is ignored.
    expect(o.endpointSets.filter((s) => s.source === 'endpoints').map((s) => s.name).sort()).toEqual(['db', 'notready', 'pub', 'split', 'web-canary']);
  });

  test('a JSON file with a List', () => {
    const o = loadSnapshot(path.join(FIXTURES, 'cluster.json'));
    expect(o.namespaces).toEqual([{ name: 'default' }]);
    expect(o.services[0]).toMatchObject({ name: 'web', clusterIPs: ['10.96.12.34', 'fd00::1234'] });
    expect(o.endpointSets[0]).toMatchObject({ source: 'endpoints', service: 'web' });
    expect(o.pods).toEqual([{ namespace: 'default', name: 'web-0', ips: ['10.244.1.7'] }]);
  });

  test('a directory: YAML, YML and JSON files in name order; dotfiles and other files skipped', () => {
    const dir = path.join(FIXTURES, 'snapshot-dir');
    expect(snapshotFiles(dir).map((f) => path.basename(f))).toEqual(['10-namespaces.yaml', '20-services.json', '30-endpoints.yml']);
    const o = loadSnapshot(dir);
    expect(o.namespaces.map((n) => n.name)).toEqual(['default', 'shop']);
    expect(o.services.map((s) => `${s.namespace}/${s.name}`)).toEqual(['default/web', 'shop/cart']);
    expect(o.endpointSets.map((s) => s.name)).toEqual(['cart-1']);
  });

  test('a single file is its own list', () => {
    const f = write('one.yaml', WEB);
    expect(snapshotFiles(f)).toEqual([f]);
  });

  test.each([
    ['List', 'List'],
    ['ServiceList', 'ServiceList'],
    ['EndpointSliceList', 'EndpointSliceList'],
  ])('kind %s: every item is read', (_n, kind) => {
    const items =
      kind === 'EndpointSliceList'
        ? '  - { kind: EndpointSlice, metadata: { name: s1, namespace: default, labels: { kubernetes.io/service-name: web } }, addressType: IPv4, endpoints: [{ addresses: [10.0.0.1] }] }\n'
        : '  - { kind: Service, metadata: { name: a, namespace: default }, spec: { clusterIP: 10.96.0.1 } }\n  - { kind: Service, metadata: { name: b, namespace: default }, spec: { clusterIP: None } }\n';
    const o = loadSnapshot(write('l.yaml', `apiVersion: v1\nkind: ${kind}\nitems:\n${items}`));
    expect(o.services.length + o.endpointSets.length).toBe(kind === 'EndpointSliceList' ? 1 : 2);
  });

  test('multi-document YAML with empty documents and comments', () => {
    const o = loadSnapshot(write('m.yaml', `---\n# nothing here\n---\n${NS}---\n${WEB}---\n`));
    expect(o.namespaces).toHaveLength(1);
    expect(o.services).toHaveLength(1);
  });

  test('an empty file is an empty view', () => {
    expect(loadSnapshot(write('empty.yaml', ''))).toEqual({ services: [], endpointSets: [], pods: [], namespaces: [] });
  });
});

describe('errors name the file, the document, the object and the field', () => {
  test('port 70000 in document 3', () => {
    const bad = WEB.replace('port: 80', 'port: 80 }, { name: metrics, port: 70000');
    const f = write('demo.yaml', `${NS}---\n${WEB.replace('web', 'api').replace('10.96.12.34', '10.96.0.2')}---\n${bad}`);
    const e = errorOf(() => loadSnapshot(f));
    expect(e.code).toBe('CDNS_SNAPSHOT_FIELD');
    expect(e.message).toBe(`CDNS_SNAPSHOT_FIELD: ${f} doc 3 (Service default/web): spec.ports[1].port must be 1-65535, got 70000`);
  });

  test('an item of a List is placed by its index', () => {
    const f = write('list.yaml', 'apiVersion: v1\nkind: List\nitems:\n  - { kind: Namespace, metadata: { name: default } }\n  - { kind: Service, metadata: { name: bad, namespace: shop }, spec: { clusterIP: 10.96.0.999 } }\n');
    const e = errorOf(() => loadSnapshot(f));
    expect(e.message).toBe(`CDNS_SNAPSHOT_FIELD: ${f} doc 1 items[1] (Service shop/bad): spec.clusterIP must be an IP address, got "10.96.0.999"`);
  });

  test('a List whose items is not a list', () => {
    const f = write('l.yaml', 'apiVersion: v1\nkind: ServiceList\nitems: {}\n');
    const e = errorOf(() => loadSnapshot(f));
    expect(e.code).toBe('CDNS_SNAPSHOT_FIELD');
    expect(e.message).toContain(`${f} doc 1 (ServiceList): items must be a list`);
  });

  test('invalid YAML: the document and the line', () => {
    const f = write('broken.yaml', `${NS}---\napiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: default\nspec: [unclosed\n`);
    const e = errorOf(() => loadSnapshot(f));
    expect(e.code).toBe('CDNS_SNAPSHOT_YAML');
    expect(e.message).toMatch(new RegExp(`^CDNS_SNAPSHOT_YAML: ${escape(f)} doc 2 line \\d+: `));
  });

  test('invalid JSON is reported like YAML', () => {
    const f = write('broken.json', '{ "kind": "Service", "metadata": { "name": "web" ');
    const e = errorOf(() => loadSnapshot(f));
    expect(e.code).toBe('CDNS_SNAPSHOT_YAML');
    expect(e.message).toContain(`${f} doc 1`);
  });

  test('several errors: each one listed, the first one giving the code', () => {
    const f = write('a.yaml', `${WEB.replace('10.96.12.34', 'nope')}---\n${NS.replace('default', 'Bad_Name')}`);
    const g = write('b.yaml', 'kind: Pod\nmetadata: { name: p, namespace: default }\nstatus: { podIP: 300.1.1.1 }\n');
    const e = errorOf(() => loadSnapshot(tmp));
    expect(e.code).toBe('CDNS_SNAPSHOT_FIELD');
    const lines = e.message.replace(/^CDNS_SNAPSHOT_FIELD: /, '').split('\n');
    expect(lines).toEqual([
      `${f} doc 1 (Service default/web): spec.clusterIP must be an IP address, got "nope"`,
      `${f} doc 2 (Namespace Bad_Name): metadata.name must be a DNS label (lower-case a-z, 0-9, -; at most 63), got "Bad_Name"`,
      `${g} doc 1 (Pod default/p): status.podIP must be an IP address, got "300.1.1.1"`,
    ]);
  });

  test('more than ten errors: ten shown and a count of the rest', () => {
    const docs = Array.from({ length: 13 }, (_, i) => WEB.replace('web', `s${i}`).replace('10.96.12.34', 'x')).join('---\n');
    const e = errorOf(() => loadSnapshot(write('many.yaml', docs)));
    const lines = e.message.split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe('... and 3 more');
  });

  test('an object without kind or name is still placed', () => {
    const f = write('k.yaml', 'metadata: { name: x }\n');
    expect(errorOf(() => loadSnapshot(f)).message).toBe(`CDNS_SNAPSHOT_FIELD: ${f} doc 1 ((no kind) default/x): kind must be a string, got nothing`);
  });

  test('a path that does not exist', () => {
    const e = errorOf(() => loadSnapshot(path.join(tmp, 'missing.yaml')));
    expect(e.code).toBe('CDNS_SNAPSHOT_READ');
    expect(e.message).toContain(path.join(tmp, 'missing.yaml'));
    expect(e.message).toContain('ENOENT');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('JSON read one List item at a time (sources/json-list.ts, issue 13)', () => {
  const svc = (i: number) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s-${i}`, namespace: 'default', annotations: { pad: 'x'.repeat(200) } }, spec: { clusterIP: `10.96.${i >> 8}.${i & 255}` } });

  test('a List over several read chunks (kind after items, as kubectl writes it): every item, in order', () => {
    const items = Array.from({ length: 6000 }, (_, i) => svc(i)); // ~1.8 MB: two 1 MB chunks
    const f = write('big.json', JSON.stringify({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } }, null, 1));
    expect(fs.statSync(f).size).toBeGreaterThan(1.5 * 1048576);
    const o = loadSnapshot(f);
    expect(o.services.map((s) => s.name)).toEqual(items.map((s) => s.metadata.name));
    expect(o.services[5999].clusterIPs).toEqual(['10.96.23.111']);
  });

  test('an item with a bad field names its index, as a whole parse did', () => {
    const items = [svc(0), { ...svc(1), spec: { clusterIP: 'nope' } }];
    const e = errorOf(() => loadSnapshot(write('l.json', JSON.stringify({ kind: 'ServiceList', items }))));
    expect(e.message).toContain('l.json doc 1 items[1] (Service default/s-1): spec.clusterIP must be an IP address');
  });

  test('a syntax error inside an item gives its line in the file', () => {
    const text = JSON.stringify({ kind: 'List', items: [svc(0), svc(1)] }, null, 2).replace('"s-1"', '"s-1" oops');
    const line = text.split('\n').findIndex((l) => l.includes('oops')) + 1;
    const e = errorOf(() => loadSnapshot(write('bad.json', text)));
    expect(e.code).toBe('CDNS_SNAPSHOT_YAML');
    expect(e.message).toMatch(new RegExp(`bad\\.json doc 1 line ${line}: not valid JSON`));
  });

  test.each([
    ['a missing closing bracket', '{"kind":"List","items":[{"kind":"Namespace","metadata":{"name":"a"}}'],
    ['data after the object', '{"kind":"List","items":[]} {"kind":"List"}'],
    ['an empty element', '{"kind":"List","items":[{"kind":"Namespace","metadata":{"name":"a"}},,]}'],
    ['a key without a value', '{"kind":"List","items":[], "metadata": }'],
  ])('broken structure between items: %s', (_n, text) => {
    expect(errorOf(() => loadSnapshot(write('x.json', text))).code).toBe('CDNS_SNAPSHOT_YAML');
  });

  test.each([
    ['a single object', { kind: 'Namespace', metadata: { name: 'solo' } }, ['solo']],
    ['an object with items that is not a List', { kind: 'Namespace', metadata: { name: 'odd' }, items: [{ kind: 'Namespace', metadata: { name: 'no' } }] }, ['odd']],
    ['an empty List', { kind: 'List', items: [] }, []],
  ])('%s', (_n, doc, names) => {
    expect(loadSnapshot(write('o.json', JSON.stringify(doc))).namespaces.map((n) => n.name)).toEqual(names);
  });

  test('a JSON array at the top is no snapshot: reported, not streamed', () => {
    expect(() => loadSnapshot(write('a.json', '[1, 2]'))).toThrow(SnapshotError);
  });
});
