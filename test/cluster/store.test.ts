// cluster/store.ts: the view's writes (upsert, remove, replaceKind, replaceAll, markSynced),
// its indexes, the merge of a Service's endpoint sets (SPEC §2 Readiness), the generation
// (moves only on a change DNS can see, STYLE rule 3) and the SOA serial (SPEC §3).
import { ClusterStore, sameRecord } from '../../src/cluster/store';
import { ep, pod, port, service, slice, storeOf } from '../support/cluster-view';

describe('generation and change notification', () => {
  test.each([
    ['a new record', (s: ClusterStore) => s.upsert('Service', service('default', 'api', { clusterIPs: ['10.96.0.2'] })), 1],
    ['the same record again (a heartbeat)', (s: ClusterStore) => s.upsert('Service', service('default', 'web', { clusterIPs: ['10.96.0.1'] })), 0],
    ['a changed record', (s: ClusterStore) => s.upsert('Service', service('default', 'web', { clusterIPs: ['10.96.0.9'] })), 1],
    ['an endpoint set differing only in triggerTime', (s: ClusterStore) => s.upsert('EndpointSet', { ...slice('default', 'web', 'web-1', [ep('10.244.0.1')]), triggerTime: 12345 }), 0],
    ['removing a record', (s: ClusterStore) => s.remove('Service', 'default/web'), 1],
    ['removing an unknown key', (s: ClusterStore) => s.remove('Service', 'default/nope'), 0],
    ['replaceKind with the same list', (s: ClusterStore) => s.replaceKind('Service', [service('default', 'web', { clusterIPs: ['10.96.0.1'] })]), 0],
    ['replaceKind dropping one', (s: ClusterStore) => s.replaceKind('Service', []), 1],
    ['a pod status heartbeat (same IPs)', (s: ClusterStore) => s.upsert('Pod', pod('default', 'web-0', '10.244.0.1')), 0],
  ])('%s: generation moves by %i', (_n, act, moves) => {
    const s = storeOf({
      services: [service('default', 'web', { clusterIPs: ['10.96.0.1'] })],
      endpointSets: [slice('default', 'web', 'web-1', [ep('10.244.0.1')])],
      pods: [pod('default', 'web-0', '10.244.0.1')],
    });
    const seen: number[] = [];
    s.onChange((g) => seen.push(g));
    const before = s.generation;
    act(s);
    expect(s.generation - before).toBe(moves);
    expect(seen).toHaveLength(moves);
  });

  test('replaceAll notifies once, after every kind is in place', () => {
    const s = new ClusterStore();
    const seen: { gen: number; hasSvc: boolean; hasSet: boolean }[] = [];
    s.onChange((gen) => seen.push({ gen, hasSvc: !!s.service('default', 'web'), hasSet: s.endpointsOf('default', 'web').length > 0 }));
    s.replaceAll({
      namespaces: [{ name: 'default' }],
      services: [service('default', 'web', { clusterIPs: ['10.96.0.1'] })],
      endpointSets: [slice('default', 'web', 'web-1', [ep('10.244.0.1')])],
      pods: [],
    });
    expect(seen).toEqual([{ gen: s.generation, hasSvc: true, hasSet: true }]);
  });

  test('markSynced: once, and it moves the generation (answers computed before must go)', () => {
    const s = new ClusterStore();
    expect(s.synced).toBe(false);
    const g = s.generation;
    s.markSynced();
    expect(s.synced).toBe(true);
    expect(s.generation).toBe(g + 1);
    s.markSynced();
    expect(s.generation).toBe(g + 1);
  });
});

describe('SOA serial (SPEC §3: unix seconds of the last change)', () => {
  test('moves forward on a change', () => {
    const s = storeOf({ services: [service('default', 'web', { clusterIPs: ['10.96.0.1'] })] });
    const before = s.serial;
    s.upsert('Service', service('default', 'api', { clusterIPs: ['10.96.0.2'] }));
    expect(s.serial).toBeGreaterThanOrEqual(before);
  });

  test('a first load (four kinds and the sync) is one change: the serial is the current time', () => {
    const s = storeOf({
      namespaces: [{ name: 'default' }],
      services: [service('default', 'web', { clusterIPs: ['10.96.0.1'] })],
      endpointSets: [slice('default', 'web', 'web-1', [ep('10.244.0.1')])],
      pods: [pod('default', 'web-0', '10.244.0.1')],
    });
    expect(s.serial).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
  });

  test('a burst of 100 changes within a second does not run the serial ahead of the clock', () => {
    const s = new ClusterStore();
    for (let i = 0; i < 100; i++) s.upsert('Service', service('default', `s${i}`, { clusterIPs: [`10.96.1.${i}`] }));
    expect(s.serial).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
  });
});

describe('indexes', () => {
  test('ClusterIP -> Service, re-indexed when the Service changes, dropped on removal', () => {
    const s = storeOf({ services: [service('default', 'web', { clusterIPs: ['10.96.0.1', 'fd00::1'] })] });
    expect(s.serviceForClusterIP('10.96.0.1')?.name).toBe('web');
    expect(s.serviceForClusterIP('fd00::1')?.name).toBe('web');
    s.upsert('Service', service('default', 'web', { clusterIPs: ['10.96.0.2'] }));
    expect(s.serviceForClusterIP('10.96.0.1')).toBeUndefined();
    expect(s.serviceForClusterIP('fd00::1')).toBeUndefined();
    expect(s.serviceForClusterIP('10.96.0.2')?.name).toBe('web');
    s.remove('Service', 'default/web');
    expect(s.serviceForClusterIP('10.96.0.2')).toBeUndefined();
  });

  test('address -> Services listing it, over slices and Endpoints objects', () => {
    const s = storeOf({
      endpointSets: [
        slice('default', 'web', 'web-1', [ep('10.244.0.1')]),
        slice('default', 'web', 'web', [ep('10.244.0.1')], [], 'endpoints'),
        slice('default', 'canary', 'canary-1', [ep('10.244.0.1')]),
        slice('shop', 'cart', 'cart-1', [ep('10.244.0.2')]),
      ],
    });
    expect(s.servicesForAddress('10.244.0.1').sort()).toEqual(['default/canary', 'default/web']);
    expect(s.servicesForAddress('10.244.0.2')).toEqual(['shop/cart']);
    expect(s.servicesForAddress('10.244.0.3')).toEqual([]);
    s.remove('EndpointSet', 'slice:default/canary-1');
    expect(s.servicesForAddress('10.244.0.1')).toEqual(['default/web']);
  });

  test('a namespace exists as an object or by holding a Service', () => {
    const s = storeOf({ namespaces: [{ name: 'quiet' }], services: [service('shop', 'cart', { clusterIPs: ['10.96.0.5'] })] });
    expect([s.hasNamespace('quiet'), s.hasServicesIn('quiet')]).toEqual([true, false]);
    expect([s.hasNamespace('shop'), s.hasServicesIn('shop')]).toEqual([false, true]);
    s.remove('Service', 'shop/cart');
    expect(s.hasServicesIn('shop')).toBe(false);
  });

  test('pod IPs per namespace, counted (two pods may briefly share an IP)', () => {
    const s = storeOf({ pods: [pod('default', 'a', '10.244.0.1', 'fd00::1'), pod('default', 'b', '10.244.0.1')] });
    expect(s.podHasIP('default', '10.244.0.1')).toBe(true);
    expect(s.podHasIP('default', 'fd00::1')).toBe(true);
    expect(s.podHasIP('shop', '10.244.0.1')).toBe(false);
    s.remove('Pod', 'default/a');
    expect(s.podHasIP('default', '10.244.0.1')).toBe(true);
    expect(s.podHasIP('default', 'fd00::1')).toBe(false);
    s.remove('Pod', 'default/b');
    expect(s.podHasIP('default', '10.244.0.1')).toBe(false);
  });
});

describe('endpointsOf: one entry per address over every set of the Service', () => {
  test('slices split at 100 and per family, plus the mirrored Endpoints, merged and deduplicated', () => {
    const s = storeOf({
      endpointSets: [
        slice('default', 'web', 'web-b', [ep('10.244.0.3'), ep('10.244.0.2')]),
        slice('default', 'web', 'web-a', [ep('10.244.0.1'), ep('10.244.0.2')]),
        slice('default', 'web', 'web-v6', [ep('fd00::1')]),
        slice('default', 'web', 'web', [ep('10.244.0.1'), ep('10.244.0.2'), ep('10.244.0.4', { ready: false })], [], 'endpoints'),
        slice('default', 'other', 'other-1', [ep('10.244.0.9')]),
      ],
    });
    expect(s.endpointsOf('default', 'web').map((e) => `${e.address}${e.ready ? '' : ' (not ready)'}`).sort()).toEqual([
      '10.244.0.1',
      '10.244.0.2',
      '10.244.0.3',
      '10.244.0.4 (not ready)',
      'fd00::1',
    ]);
    expect(s.endpointsOf('default', 'nope')).toEqual([]);
  });

  test('slices come first: their readiness and hostname win over the Endpoints object', () => {
    const s = storeOf({
      endpointSets: [
        slice('default', 'db', 'db', [ep('10.244.0.1', { hostname: 'old', ready: true })], [], 'endpoints'),
        slice('default', 'db', 'db-1', [ep('10.244.0.1', { hostname: 'db-0', ready: false })]),
      ],
    });
    expect(s.endpointsOf('default', 'db')).toEqual([{ address: '10.244.0.1', ready: false, hostname: 'db-0', podName: '' }]);
  });

  test('the merge follows changes', () => {
    const s = storeOf({ endpointSets: [slice('default', 'web', 'web-a', [ep('10.244.0.1')])] });
    expect(s.endpointsOf('default', 'web')).toHaveLength(1);
    s.upsert('EndpointSet', slice('default', 'web', 'web-b', [ep('10.244.0.2')]));
    expect(s.endpointsOf('default', 'web')).toHaveLength(2);
    s.remove('EndpointSet', 'slice:default/web-a');
    expect(s.endpointsOf('default', 'web').map((e) => e.address)).toEqual(['10.244.0.2']);
  });

  test('endpointPortsOf: the union of the sets ports, deduplicated', () => {
    const s = storeOf({
      endpointSets: [
        slice('default', 'web', 'web-a', [ep('10.244.0.1')], [port('http', 8080), port('dns', 53, 'udp')]),
        slice('default', 'web', 'web-b', [ep('10.244.0.2')], [port('http', 8080)]),
      ],
    });
    expect(s.endpointPortsOf('default', 'web').map((p) => `${p.name}/${p.protocol}/${p.port}`).sort()).toEqual(['dns/udp/53', 'http/tcp/8080']);
  });
});

test.each([
  [{ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }, true],
  [{ a: 1, b: [1, 2] }, { a: 1, b: [2, 1] }, false],
  [{ a: 1 }, { a: 1, b: undefined }, false],
  [{ a: 1, triggerTime: 1 }, { a: 1, triggerTime: 2 }, true],
  [{ a: { b: 'x' } }, { a: { b: 'y' } }, false],
  [[1], { 0: 1 }, false],
  [null, {}, false],
])('sameRecord(%j, %j) = %s', (a, b, want) => {
  expect(sameRecord(a, b)).toBe(want);
});
