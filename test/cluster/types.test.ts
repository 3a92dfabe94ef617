// cluster/types.ts: recordKey, the key every source uses for ClusterSink.remove().
import { recordKey } from '../../src/cluster/types';

test.each([
  ['Service', { namespace: 'default', name: 'web' }, 'default/web'],
  ['Pod', { namespace: 'shop', name: 'cart-0' }, 'shop/cart-0'],
  ['Namespace', { name: 'shop' }, 'shop'],
  ['Namespace', { namespace: 'ignored', name: 'shop' }, 'shop'],
  // An EndpointSlice and an Endpoints object may share a name: the source keeps them apart.
  ['EndpointSet', { namespace: 'default', name: 'web', source: 'slice' }, 'slice:default/web'],
  ['EndpointSet', { namespace: 'default', name: 'web', source: 'endpoints' }, 'endpoints:default/web'],
] as const)('recordKey(%s, %j) = %j', (kind, r, key) => {
  expect(recordKey(kind, r)).toBe(key);
});
