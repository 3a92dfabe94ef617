// Upstream health (SPEC §4; CoreDNS forward max_fails / health_check): consecutive failures
// mark an upstream down, policies skip it, a `. IN NS` probe brings it back.

import { decode, fake, forwarder, query, Recorder, useCleanup, waitFor } from './helpers';

useCleanup();

const T = 200;

describe('health', () => {
  test('maxFails consecutive timeouts mark it down; it is skipped; probes bring it back when it answers', async () => {
    const a = await fake({ mode: 'drop', answerIp: '192.0.2.1' });
    const b = await fake({ answerIp: '192.0.2.2' });
    const rec = new Recorder();
    const fw = forwarder({ upstream: [a.hostPort, b.hostPort], timeoutMs: T, maxFails: 2, healthCheckIntervalMs: 40, observer: rec });

    await fw.resolve(query('q1.example'), 'q1.example', 1);
    expect(fw.upstreamHealth().get(a.key)).toBe(true); // one failure is not enough
    await fw.resolve(query('q2.example'), 'q2.example', 1);
    expect(fw.upstreamHealth().get(a.key)).toBe(false);
    expect(rec.count('healthy', { upstream: a.key, up: false })).toBe(1);

    // Down: skipped by the (sequential) policy, so no timeout is paid any more.
    const t0 = Date.now();
    const ans = decode(await fw.resolve(query('q3.example'), 'q3.example', 1));
    expect(Date.now() - t0).toBeLessThan(T / 2);
    expect(ans.answers?.[0]).toMatchObject({ data: '192.0.2.2' });
    expect(a.count((r) => r.name.startsWith('q3'))).toBe(0);

    // Probes are `. IN NS`, one at a time; unanswered ones count as health-check failures.
    await waitFor(() => rec.count('healthcheckFailure', { upstream: a.key }) >= 1, 2000, 'a failed probe');
    const probes = a.received.filter((r) => r.type === 'NS');
    expect(probes.length).toBeGreaterThanOrEqual(1);
    expect(probes[0].name).toBe('.');
    expect(probes[0].proto).toBe('udp');

    a.mode = 'answer';
    await waitFor(() => fw.upstreamHealth().get(a.key) === true, 2000, 'a marked up');
    expect(rec.count('healthy', { upstream: a.key, up: true })).toBe(1);
    expect(decode(await fw.resolve(query('q4.example'), 'q4.example', 1)).answers?.[0]).toMatchObject({ data: '192.0.2.1' });
  });

  test('an upstream that goes away and comes back on the same port', async () => {
    const a = await fake({ answerIp: '192.0.2.1' });
    const b = await fake({ answerIp: '192.0.2.2' });
    const rec = new Recorder();
    const fw = forwarder({ upstream: [a.hostPort, b.hostPort], timeoutMs: T, maxFails: 2, healthCheckIntervalMs: 30, observer: rec });
    expect(decode(await fw.resolve(query('x.example'), 'x.example', 1)).answers?.[0]).toMatchObject({ data: '192.0.2.1' });

    await a.down();
    for (let i = 0; i < 2; i++) await fw.resolve(query(`d${i}.example`), `d${i}.example`, 1);
    expect(rec.count('failure', { upstream: a.key, reason: 'refused' })).toBe(2);
    expect(fw.upstreamHealth().get(a.key)).toBe(false);
    await waitFor(() => rec.count('healthcheckFailure', { upstream: a.key }) >= 2, 2000, 'refused probes');

    await a.up();
    await waitFor(() => fw.upstreamHealth().get(a.key) === true, 2000, 'a back up');
    expect(decode(await fw.resolve(query('y.example'), 'y.example', 1)).answers?.[0]).toMatchObject({ data: '192.0.2.1' });
  });

  test('any reply resets the count: SERVFAIL is an answer, not a failure', async () => {
    const a = await fake({ mode: 'servfail' });
    const fw = forwarder({ upstream: [a.hostPort], timeoutMs: T, maxFails: 1 });
    for (let i = 0; i < 5; i++) await fw.resolve(query(`s${i}.example`), `s${i}.example`, 1);
    expect(fw.upstreamHealth().get(a.key)).toBe(true);
  });

  test('maxFails 0 never marks an upstream down', async () => {
    const a = await fake({ mode: 'drop' });
    const b = await fake();
    const fw = forwarder({ upstream: [a.hostPort, b.hostPort], timeoutMs: 50, maxFails: 0 });
    for (let i = 0; i < 3; i++) await fw.resolve(query(`z${i}.example`), `z${i}.example`, 1);
    expect(fw.upstreamHealth().get(a.key)).toBe(true);
    expect(a.received).toHaveLength(3);
  });
});
