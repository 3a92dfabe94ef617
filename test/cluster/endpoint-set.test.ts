// cluster/endpoint-set.ts and the packed addresses of cluster/ip.ts: the columns of an
// endpoint set read back as the rows they were built from.
import { RowsBuilder, rowsOf } from '../../src/cluster/endpoint-set';
import { packIP, unpackIP } from '../../src/cluster/ip';
import type { EndpointSetRecord } from '../../src/cluster/types';

describe('packed addresses', () => {
  test.each(['0.0.0.0', '10.244.1.7', '127.0.0.1', '192.168.255.254', '255.255.255.255', '2001:db8::1', '::'])('%s round-trips', (ip) => {
    expect(unpackIP(packIP(ip))).toBe(ip);
  });

  test('an IPv4 address is a small integer (no heap object), an IPv6 address its text', () => {
    expect(packIP('10.0.0.1')).toBe((10 << 24) | 1);
    expect(Number.isInteger(packIP('255.255.255.255'))).toBe(true);
    expect(packIP('255.255.255.255')).toBe(-1);
    expect(packIP('fd00::1')).toBe('fd00::1');
  });
});

describe('rows', () => {
  const set = (b: RowsBuilder): EndpointSetRecord => ({ source: 'slice', namespace: 'a', name: 'x', service: 'x', ports: [], triggerTime: 0, ...b.columns() });

  test.each([
    ['all ready, nothing named: no name columns', [[['10.0.0.1'], true, '', ''], [['10.0.0.2'], true, '', '']]],
    ['a name only on a middle row', [[['10.0.0.1'], true, '', ''], [['10.0.0.2'], false, 'web-1', 'p-1'], [['10.0.0.3'], true, '', '']]],
    ['two addresses of one endpoint: two rows, same fields', [[['10.0.0.1', '10.0.0.9'], false, 'db-0', 'db-0'], [['fd00::1'], true, '', 'p']]],
    ['no rows', []],
  ] as [string, [string[], boolean, string, string][]][])('%s', (_n, input) => {
    const b = new RowsBuilder();
    for (const [addresses, ready, hostname, podName] of input) b.add(addresses, ready, hostname, podName);
    const expected = input.flatMap(([addresses, ready, hostname, podName]) => addresses.map((address) => ({ address, ready, hostname, podName })));
    const s = set(b);
    expect(rowsOf(s)).toEqual(expected);
    if (expected.every((r) => r.ready)) expect(s.notReady).toBeNull();
    if (expected.every((r) => r.hostname === '')) expect(s.hostnames).toBe('');
  });
});
