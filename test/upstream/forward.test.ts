// The forwarding path over real sockets: answers, ID handling, TCP retry on truncation,
// pass-through of upstream rcodes, bad input and shutdown (SPEC §4).

import { codeOf, decode, fake, forwarder, query, rcode, Recorder, sleep, useCleanup } from './helpers';

useCleanup();

describe('forwarding', () => {
  test('returns the upstream answer under the client ID; the upstream saw a fresh random ID', async () => {
    const up = await fake({ answerIp: '192.0.2.7' });
    const fw = forwarder({ upstream: [up.hostPort] });
    const q = query('Www.Example.ORG', 'A', 0xbeef);
    const before = Buffer.from(q);
    const ans = decode(await fw.resolve(q, 'www.example.org', 1));
    expect(ans.id).toBe(0xbeef);
    expect(ans.answers?.[0]).toMatchObject({ type: 'A', data: '192.0.2.7' });
    expect(ans.questions?.[0].name).toBe('Www.Example.ORG'); // the upstream's echo, case kept
    expect(q.equals(before)).toBe(true); // caller's buffer untouched
    expect(up.received).toHaveLength(1);
    const ids = new Set<number>();
    for (let i = 0; i < 20; i++) {
      await fw.resolve(query('a.example', 'A', 0xbeef), 'a.example', 1);
    }
    for (const r of up.received) ids.add(r.id);
    // 21 queries with the same client ID went out under (almost surely) 21 different IDs.
    expect(ids.size).toBeGreaterThan(18);
  });

  test('upstream SERVFAIL and NXDOMAIN are answers: passed through, not retried elsewhere', async () => {
    const bad = await fake({ mode: 'servfail' });
    const other = await fake();
    const rec = new Recorder();
    const fw = forwarder({ upstream: [bad.hostPort, other.hostPort], observer: rec });
    expect(rcode(await fw.resolve(query('x.example'), 'x.example', 1))).toBe('SERVFAIL');
    expect(other.received).toHaveLength(0);
    expect(rec.count('request', { upstream: bad.key, proto: 'udp', rcode: 2 })).toBe(1);
    bad.mode = 'nxdomain';
    expect(rcode(await fw.resolve(query('y.example'), 'y.example', 1))).toBe('NXDOMAIN');
  });

  test('a truncated UDP answer is asked again over TCP at the same upstream (RFC 7766)', async () => {
    const up = await fake({ mode: 'truncate', tcpRecords: 80 });
    const other = await fake();
    const rec = new Recorder();
    const fw = forwarder({ upstream: [up.hostPort, other.hostPort], observer: rec });
    const raw = await fw.resolve(query('big.example', 'A', 0x4242), 'big.example', 1);
    const ans = decode(raw);
    expect(raw.length).toBeGreaterThan(512);
    expect(ans.id).toBe(0x4242);
    expect(ans.flag_tc).toBe(false);
    expect(ans.answers).toHaveLength(80);
    expect(up.received.map((r) => r.proto)).toEqual(['udp', 'tcp']);
    expect(up.received[0].id).not.toBe(up.received[1].id);
    expect(other.received).toHaveLength(0);
    expect(rec.events.filter((e) => e.kind === 'request').map((e) => e.proto)).toEqual(['udp', 'tcp']);
  });

  test('TCP failing after truncation moves on to the next upstream', async () => {
    const up = await fake({ mode: 'truncate' });
    const other = await fake({ answerIp: '192.0.2.99' });
    const rec = new Recorder();
    const fw = forwarder({ upstream: [up.hostPort, other.hostPort], observer: rec });
    // UDP answers TC, TCP answers nothing.
    up.onQuery = (_raw, _q, proto) => (proto === 'tcp' ? null : undefined);
    const ans = decode(await fw.resolve(query('big.example'), 'big.example', 1));
    expect(ans.answers?.[0]).toMatchObject({ data: '192.0.2.99' });
    expect(rec.count('failure', { upstream: up.key, reason: 'timeout' })).toBe(1);
  });

  test('IPv6 upstreams, UDP and the TCP retry alike', async () => {
    const up = await fake({ host: '::1', mode: 'truncate', tcpRecords: 40 });
    const rec = new Recorder();
    const fw = forwarder({ upstream: [up.hostPort], observer: rec });
    const ans = decode(await fw.resolve(query('v6.example', 'A', 7), 'v6.example', 1));
    expect(ans.id).toBe(7);
    expect(ans.answers).toHaveLength(40);
    expect(up.key).toMatch(/^\[::1\]:\d+$/);
    expect(rec.events.filter((e) => e.kind === 'request').map((e) => [e.upstream, e.proto])).toEqual([
      [up.key, 'udp'],
      [up.key, 'tcp'],
    ]);
  });

  test('no upstream at all: ALL_FAILED at once', async () => {
    const fw = forwarder({ upstream: [] });
    const p = fw.resolve(query('x.example'), 'x.example', 1);
    await expect(p).rejects.toThrow('CDNS_UPSTREAM_ALL_FAILED: x.example. A: no upstream to try');
    expect(fw.inFlight).toBe(0);
  });

  test('a query without exactly one question is refused with BAD_QUERY', async () => {
    const up = await fake();
    const fw = forwarder({ upstream: [up.hostPort] });
    const q = query('x.example');
    q.writeUInt16BE(0, 4); // QDCOUNT 0
    expect(await codeOf(fw.resolve(q, 'x.example', 1))).toBe('CDNS_UPSTREAM_BAD_QUERY');
    expect(await codeOf(fw.resolve(Buffer.alloc(5), 'x.example', 1))).toBe('CDNS_UPSTREAM_BAD_QUERY');
    expect(up.received).toHaveLength(0);
  });

  test('close() rejects queries in flight with CLOSED and releases every socket', async () => {
    const up = await fake({ mode: 'drop' });
    const fw = forwarder({ upstream: [up.hostPort], timeoutMs: 5000 });
    const p = fw.resolve(query('x.example'), 'x.example', 1);
    const code = codeOf(p);
    expect(fw.openSockets).toBe(1);
    await fw.close();
    expect(await code).toBe('CDNS_UPSTREAM_CLOSED');
    expect(fw.openSockets).toBe(0);
    expect(fw.inFlight).toBe(0);
    expect(await codeOf(fw.resolve(query('x.example'), 'x.example', 1))).toBe('CDNS_UPSTREAM_CLOSED');
  });

  test('no sockets or timers are left behind after close()', async () => {
    const up = await fake({ mode: 'truncate' });
    // Our timers are unref'd, so process.getActiveResourcesInfo() does not list them: watch
    // setInterval/clearInterval instead, and count UDP handles there.
    const created: unknown[] = [];
    const cleared = new Set<unknown>();
    const realSet = global.setInterval;
    const realClear = global.clearInterval;
    const setSpy = jest.spyOn(global, 'setInterval').mockImplementation(((fn: () => void, ms: number) => {
      const t = realSet(fn, ms);
      created.push(t);
      return t;
    }) as typeof setInterval);
    const clearSpy = jest.spyOn(global, 'clearInterval').mockImplementation(((t: NodeJS.Timeout) => {
      cleared.add(t);
      realClear(t);
    }) as typeof clearInterval);
    try {
      const udp = (): number => process.getActiveResourcesInfo().filter((x) => x === 'UDPWrap').length;
      await sleep(20); // let the previous test's sockets finish closing
      const before = udp();
      const fw = forwarder({ upstream: [up.hostPort], maxFails: 1, healthCheckIntervalMs: 10 });
      await fw.resolve(query('x.example'), 'x.example', 1); // UDP + TCP
      up.mode = 'drop';
      expect(await codeOf(fw.resolve(query('y.example'), 'y.example', 1))).toBe('CDNS_UPSTREAM_ALL_FAILED');
      expect(fw.upstreamHealth().get(up.key)).toBe(false); // the health interval runs, probes are out
      await sleep(30);
      expect(udp()).toBeGreaterThan(before);
      expect(created.length).toBeGreaterThanOrEqual(2); // the timeout clock and the health interval
      expect(created.filter((t) => !cleared.has(t)).length).toBeGreaterThanOrEqual(1);
      await fw.close();
      expect(udp()).toBe(before);
      expect(created.filter((t) => !cleared.has(t))).toEqual([]);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  test('options are checked at construction with the field and value', () => {
    const mk = (o: object) => () => forwarder({ upstream: [{ host: '127.0.0.1', port: 53 }], ...o });
    expect(mk({ upstream: [{ host: 'dns.example', port: 53 }] })).toThrow(/CDNS_UPSTREAM_OPTION: upstream\[0\]: expected an IPv4 or IPv6 address, got 'dns.example'/);
    expect(mk({ upstream: [{ host: '::1', port: 70000 }] })).toThrow(/upstream\[0\]\.port must be an integer from 1 to 65535, got 70000/);
    expect(mk({ policy: 'fastest' })).toThrow(/policy must be one of random, round_robin, sequential, got 'fastest'/);
    expect(mk({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(mk({ stubDomains: [{ domain: 'corp', servers: [] }] })).toThrow(/stubDomains\[0\] \(corp\)\.servers/);
  });
});
