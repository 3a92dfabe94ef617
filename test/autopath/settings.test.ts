// Issue 12: which names autopath walks and in what order, where its search domains come from,
// and how the flags and the YAML config turn it on and limit it. Table tests; the behaviour
// over real sockets is in response.test.ts and real-clients.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Autopath, autopathFromPlan } from '../../src/resolve/autopath';
import { parseSearchDomains, walkableDomains } from '../../src/resolve/search-domains';
import { flagsToOptions } from '../../src/config/flags';
import { parseConfigText, resolveOptions } from '../../src/config/file';

const zone = 'cluster.local';
const ap = (o: Partial<ConstructorParameters<typeof Autopath>[0]> = {}, exists = (ns: string) => ns !== 'nons') =>
  new Autopath({ zone, search: ['corp.example'], namespaces: null, verified: false, ...o }, { namespaceExists: exists });

test.each([
  ['api.example.com.default.svc.cluster.local', { base: 'api.example.com', ns: 'default' }],
  ['web.default.default.svc.cluster.local', { base: 'web.default', ns: 'default' }],
  ['web.default.svc.cluster.local', { base: 'web', ns: 'default' }],
  ['default.svc.cluster.local', null], // the search domain itself: nothing to complete
  ['svc.cluster.local', null],
  ['web.nons.svc.cluster.local', null], // no such namespace: no pod's first search domain
  ['web.default.pod.cluster.local', null],
  ['api.example.com', null],
  ['x.default.svc.cluster.local.evil', null],
])('split(%s)', (name, want) => {
  expect(ap().split(name)).toEqual(want);
});

test('namespaces limit the walk', () => {
  const limited = ap({ namespaces: ['staging'] });
  expect(limited.split('x.staging.svc.cluster.local')).toEqual({ base: 'x', ns: 'staging' });
  expect(limited.split('x.default.svc.cluster.local')).toBeNull();
});

test("the walk: the rest of a pod's search list, the server's domains, then the name itself", () => {
  expect(ap().candidates('api.example.com')).toEqual(['api.example.com.svc.cluster.local', 'api.example.com.cluster.local', 'api.example.com.corp.example', 'api.example.com']);
  // Names over 253 characters are left out rather than sent.
  const long = 'a'.repeat(63) + '.' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(43); // 235
  expect(ap({ search: ['a-rather-long-search-domain.example'] }).candidates(long)).toEqual([`${long}.svc.cluster.local`, `${long}.cluster.local`, long]);
});

test('search domains: the last search/domain line of resolv.conf; cluster domains, repeats and the root left out', () => {
  expect(parseSearchDomains('nameserver 10.0.0.2\nsearch a.example b.example\n# search c.example\n')).toEqual(['a.example', 'b.example']);
  expect(parseSearchDomains('search a.example\ndomain Corp.Example.\n')).toEqual(['corp.example']);
  expect(parseSearchDomains('nameserver 10.0.0.2\n')).toEqual([]);
  expect(walkableDomains(['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'corp.example', 'ec2.internal'], zone)).toEqual(['corp.example', 'ec2.internal']);
});

test('autopathFromPlan: the plan a Corefile gives, search domains from the resolv.conf named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-autopath-'));
  try {
    const rc = path.join(dir, 'resolv.conf');
    fs.writeFileSync(rc, 'search default.svc.cluster.local svc.cluster.local cluster.local us-east-2.compute.internal\nnameserver 10.0.0.2\n');
    const fromFile = autopathFromPlan({ origin: 'Corefile:4', zone: 'Cluster.Local.', searchDomains: null, verified: false }, rc);
    expect(fromFile.settings).toEqual({ zone, search: ['us-east-2.compute.internal'], namespaces: null, verified: false });
    const given = autopathFromPlan({ origin: 'Corefile:4', zone, searchDomains: ['corp.example'], verified: false, namespaces: ['a'] }, rc);
    expect(given.settings.search).toEqual(['corp.example']);
    expect(given.settings.namespaces).toEqual(['a']);
    // A missing file: no search domains, the rest of the walk still runs.
    expect(autopathFromPlan({ origin: 'x', zone, searchDomains: null, verified: false }, path.join(dir, 'missing')).settings.search).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('flags: --autopath, --autopath-namespaces, --autopath-search', () => {
  expect(flagsToOptions({ autopath: true, autopathNamespaces: ['default,staging'], autopathSearch: 'Corp.Example.,ec2.internal' })).toEqual({
    autopath: true,
    autopathNamespaces: ['default', 'staging'],
    autopathSearch: ['corp.example', 'ec2.internal'],
  });
  expect(() => flagsToOptions({ autopathNamespaces: 'Bad_NS' })).toThrow(/--autopath-namespaces\[0\].*namespace name/);
  expect(resolveOptions({}).autopath).toBe(false);
});

test('YAML keys, with the line of a bad value', () => {
  expect(parseConfigText('autopath: true\nautopathNamespaces: [default]\nautopathSearch: [corp.example]\n', 'c.yaml')).toEqual({
    autopath: true,
    autopathNamespaces: ['default'],
    autopathSearch: ['corp.example'],
  });
  expect(() => parseConfigText('ttl: 30\nautopath: yes\n', 'c.yaml')).toThrow(/c\.yaml:2.*autopath.*true or false/);
  expect(() => parseConfigText('autopathSearch:\n  - ok.example\n  - "bad domain"\n', 'c.yaml')).toThrow(/c\.yaml:3.*autopathSearch\[1\]/);
});
