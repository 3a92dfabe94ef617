// cluster/store.ts onTouched(): every change names the facts it touched, old and new state
// (cluster/deps.ts), so the memo drops exactly the answers that read them (issue 11).
import type { ClusterStore } from '../../src/cluster/store';
import type { Touched } from '../../src/cluster/deps';
import { ep, pod, port, service, slice, storeOf } from '../support/cluster-view';

function base(synced = true): ClusterStore {
  return storeOf({
    namespaces: [{ name: 'default' }],
    services: [
      service('default', 'web', { clusterIPs: ['10.96.0.1'] }),
      service('shop', 'api', { clusterIPs: ['10.96.0.2', 'fd00::2'] }),
      service('shop', 'db'),
    ],
    endpointSets: [slice('shop', 'db', 'db-1', [ep('10.244.0.1'), ep('10.244.0.2', { ready: false })], [port('pg', 5432)])],
    pods: [pod('default', 'web-0', '10.244.1.1')],
  }, synced);
}

function touchedBy(act: (s: ClusterStore) => void, s = base()): Touched[] {
  const seen: Touched[] = [];
  s.onTouched((t) => seen.push(t === 'all' ? t : new Set(t)));
  act(s);
  return seen;
}

/** The tags of one notification, sorted, without the serial (it moves with the clock). */
const tags = (t: Touched) => (t === 'all' ? ['all'] : [...t].filter((x) => x !== 'soa').sort());

describe('tags touched per change', () => {
  test.each([
    ['a new Service in a namespace with Services', (s: ClusterStore) => s.upsert('Service', service('shop', 'new', { clusterIPs: ['10.96.0.3'] })), ['a:10.96.0.3', 's:shop/new']],
    ['a first Service in a namespace: the namespace comes to exist', (s: ClusterStore) => s.upsert('Service', service('ops', 'x')), ['n:ops', 's:ops/x']],
    ['the last Service of a namespace goes: the namespace goes', (s: ClusterStore) => {
      s.remove('Service', 'shop/api');
      s.remove('Service', 'shop/db');
    }, ['a:10.96.0.2', 'a:fd00::2', 's:shop/api'], ['n:shop', 's:shop/db']],
    ['the only Service of a namespace, updated: no namespace flip', (s: ClusterStore) => s.upsert('Service', service('default', 'web', { clusterIPs: ['10.96.0.9'] })), ['a:10.96.0.1', 'a:10.96.0.9', 's:default/web']],
    ['dual-stack change: both families, old and new', (s: ClusterStore) => s.upsert('Service', service('shop', 'api', { clusterIPs: ['10.96.0.2'] })), ['a:10.96.0.2', 'a:fd00::2', 's:shop/api']],
    // The rows that changed (one address gone, one new), not the one that stayed (10.244.0.1).
    ['an endpoint set update: the changed addresses and their names, the Service endpoints', (s: ClusterStore) => s.upsert('EndpointSet', slice('shop', 'db', 'db-1', [ep('10.244.0.1'), ep('10.244.0.3')], [port('pg', 5432)])), ['a:10.244.0.2', 'a:10.244.0.3', 'e:shop/db', 'h:shop/db/10-244-0-2', 'h:shop/db/10-244-0-3']],
    ['a readiness flip', (s: ClusterStore) => s.upsert('EndpointSet', slice('shop', 'db', 'db-1', [ep('10.244.0.1'), ep('10.244.0.2')], [port('pg', 5432)])), ['a:10.244.0.2', 'e:shop/db', 'h:shop/db/10-244-0-2']],
    ['a hostname given: the old and the new name of the row', (s: ClusterStore) => s.upsert('EndpointSet', slice('shop', 'db', 'db-1', [ep('10.244.0.1', { hostname: 'db-0' }), ep('10.244.0.2', { ready: false })], [port('pg', 5432)])), ['a:10.244.0.1', 'e:shop/db', 'h:shop/db/10-244-0-1', 'h:shop/db/db-0']],
    ['ports only: the endpoint list, no address', (s: ClusterStore) => s.upsert('EndpointSet', slice('shop', 'db', 'db-1', [ep('10.244.0.1'), ep('10.244.0.2', { ready: false })], [port('pg', 5433)])), ['e:shop/db']],
    ['a whole set removed: every row it served', (s: ClusterStore) => s.remove('EndpointSet', 'slice:shop/db-1'), ['a:10.244.0.1', 'a:10.244.0.2', 'e:shop/db', 'h:shop/db/10-244-0-1', 'h:shop/db/10-244-0-2']],
    ['a pod', (s: ClusterStore) => s.upsert('Pod', pod('default', 'web-0', '10.244.1.2')), ['p:default/10.244.1.1', 'p:default/10.244.1.2']],
    ['a Namespace object', (s: ClusterStore) => s.remove('Namespace', 'default'), ['n:default']],
  ])('%s', (_n, act, ...expected) => {
    expect(touchedBy(act).map(tags)).toEqual(expected);
  });

  test('an address in two sets: the merged row decides (the second listing takes over its name)', () => {
    const s = base();
    s.upsert('EndpointSet', slice('shop', 'db', 'db-2', [ep('10.244.0.1', { hostname: 'other' })], [port('pg', 5432)]));
    // db-1 lists 10.244.0.1 first (no hostname); removing it from db-1 makes db-2's row, named
    // `other`, the merged one: `other.db.shop` now answers, so its tag is touched.
    const seen = touchedBy((st) => st.upsert('EndpointSet', slice('shop', 'db', 'db-1', [ep('10.244.0.2', { ready: false })], [port('pg', 5432)])), s);
    expect(seen.map(tags)).toEqual([['a:10.244.0.1', 'e:shop/db', 'h:shop/db/10-244-0-1', 'h:shop/db/other']]);
  });

  test('a heartbeat touches nothing and notifies nobody', () => {
    expect(touchedBy((s) => s.upsert('Service', service('default', 'web', { clusterIPs: ['10.96.0.1'] })))).toEqual([]);
  });

  test('replaceAll notifies once with the union of what it touched', () => {
    const seen = touchedBy((s) =>
      s.replaceAll({
        namespaces: [{ name: 'default' }],
        services: [service('default', 'web', { clusterIPs: ['10.96.0.1'] }), service('shop', 'db')],
        endpointSets: [slice('shop', 'db', 'db-1', [ep('10.244.0.1'), ep('10.244.0.2', { ready: false })], [port('pg', 5432)])],
        pods: [],
      }),
    );
    expect(seen.map(tags)).toEqual([['a:10.96.0.2', 'a:fd00::2', 'p:default/10.244.1.1', 's:shop/api']]);
  });

  test('the first sync touches everything', () => {
    const s = base(false);
    expect(touchedBy((x) => x.markSynced(), s)).toEqual(['all']);
  });

  test('the serial tag comes with a change in a new second, once per second', () => {
    const s = base();
    s.serial -= 5; // the last change was 5 s ago
    const seen = touchedBy((x) => {
      x.upsert('Service', service('shop', 'n1'));
      x.upsert('Service', service('shop', 'n2'));
    }, s);
    expect(seen.map((t) => t !== 'all' && t.has('soa'))).toEqual([true, false]);
  });

  test('unsubscribe stops the calls', () => {
    const s = base();
    const seen: Touched[] = [];
    const off = s.onTouched((t) => seen.push(t));
    off();
    s.upsert('Service', service('shop', 'n1'));
    expect(seen).toEqual([]);
  });
});
