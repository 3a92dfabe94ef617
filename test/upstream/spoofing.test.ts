// Anti-spoofing (RFC 5452 §9): random IDs and source ports, and a reply is accepted only from
// the upstream's address and port, with our ID and our question. A forged packet neither
// answers the query nor fails it: the real reply is still taken within the timeout.

import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { decode, fake, forwarder, query, Recorder, useCleanup, waitFor } from './helpers';

useCleanup();

describe('anti-spoofing', () => {
  test('a reply with a wrong ID and one with a wrong question are dropped; the real one is taken', async () => {
    const up = await fake({ mode: 'spoof', answerIp: '192.0.2.10' });
    const rec = new Recorder();
    const fw = forwarder({ upstream: [up.hostPort], timeoutMs: 1000, observer: rec });
    const ans = decode(await fw.resolve(query('victim.example', 'A', 0x1111), 'victim.example', 1));
    expect(ans.id).toBe(0x1111);
    expect(ans.questions?.[0].name).toBe('victim.example');
    expect(ans.answers?.[0]).toMatchObject({ data: '192.0.2.10' });
    expect(rec.count('failure', { upstream: up.key, reason: 'spoofed' })).toBe(2);
    expect(rec.count('failure', { reason: 'timeout' })).toBe(0);
  });

  test('the question must match in type and class too; the name is compared case-insensitively', async () => {
    const up = await fake();
    const rec = new Recorder();
    const fw = forwarder({ upstream: [up.hostPort], timeoutMs: 1000, observer: rec });
    up.onQuery = (_raw, q) => {
      // The real answer echoes the name in another case (allowed, RFC 4343); before it come a
      // reply for AAAA, one for class CH, one without QR and one without a question (forged).
      const name = (q.questions?.[0].name ?? '').toUpperCase();
      const reply = (o: Partial<dnsPacket.Packet>): Buffer =>
        dnsPacket.encode({ type: 'response', id: q.id, questions: [{ name, type: 'A' }], ...o });
      return [
        reply({ questions: [{ name, type: 'AAAA' }] }),
        reply({ questions: [{ name, type: 'A', class: 'CH' }] }),
        reply({ type: 'query' }),
        reply({ questions: [] }),
        reply({ answers: [{ name, type: 'A', data: '192.0.2.11' }] }),
      ];
    };
    const ans = decode(await fw.resolve(query('MiXeD.example'), 'mixed.example', 1));
    expect(ans.answers?.[0]).toMatchObject({ data: '192.0.2.11' });
    expect(rec.count('failure', { reason: 'spoofed' })).toBe(4);
  });

  test('a reply from another port, even with the right ID and question, is not accepted', async () => {
    const up = await fake({ mode: 'delay', delayMs: 150, answerIp: '192.0.2.12' });
    const fw = forwarder({ upstream: [up.hostPort], timeoutMs: 1000 });
    const attacker = dgram.createSocket('udp4');
    const p = fw.resolve(query('target.example'), 'target.example', 1);
    await waitFor(() => up.received.length === 1, 1000, 'the query at the upstream');
    const seen = up.received[0];
    const forged = dnsPacket.encode({
      type: 'response',
      id: seen.id,
      questions: [{ name: 'target.example', type: 'A' }],
      answers: [{ name: 'target.example', type: 'A', data: '203.0.113.66' }],
    });
    attacker.send(forged, seen.port, '127.0.0.1');
    const ans = decode(await p);
    attacker.close();
    expect(ans.answers?.[0]).toMatchObject({ data: '192.0.2.12' });
  });

  test('source ports rotate: a UDP socket is replaced after udpSocketMaxQueries sends', async () => {
    const up = await fake();
    const fw = forwarder({ upstream: [up.hostPort], udpSocketsPerUpstream: 2, udpSocketMaxQueries: 5 });
    for (let i = 0; i < 40; i++) await fw.resolve(query(`p${i}.example`), `p${i}.example`, 1);
    const ports = new Set(up.received.map((r) => r.port));
    // 40 queries, 5 per socket: 8 sockets, each with a kernel-chosen port.
    expect(ports.size).toBeGreaterThanOrEqual(7);
    // Retired sockets are closed once their last query is answered.
    expect(fw.openSockets).toBeLessThanOrEqual(2);
  });
});
