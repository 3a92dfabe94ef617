// Forwarding-loop detection (SPEC §4, CoreDNS `loop`). The loop is modelled faithfully at the
// point that matters: an upstream that forwards what it gets to this server, i.e. whose
// queries arrive in Forwarder.resolve() exactly as the server's chain would pass them on.

import * as dnsPacket from 'dns-packet';
import type { Forwarder } from '../../src/upstream/forwarder';
import { codeOf, fake, forwarder, query, rcode, useCleanup } from './helpers';

useCleanup();

const PROBE_NAME = /^[0-9a-f]{16}\.clusterdns-loop$/;

/** What our server answers when resolve() rejects: SERVFAIL for the same question. */
function servfail(raw: Buffer): Buffer {
  const q = dnsPacket.decode(raw);
  return dnsPacket.encode({ type: 'response', id: q.id, flags: 2, questions: q.questions });
}

describe('loop detection', () => {
  test('an upstream that forwards back to us: probeLoop rejects LOOP, onLoop fires once, no amplification', async () => {
    const messages: string[] = [];
    let fw: Forwarder | null = null;
    const up = await fake({
      // The looping upstream hands the query to "our server", i.e. to fw.resolve().
      onQuery: async (raw, q) => {
        const name = (q.questions?.[0].name ?? '').toLowerCase();
        try {
          return await fw!.resolve(raw, name, 13);
        } catch {
          return servfail(raw);
        }
      },
    });
    fw = forwarder({ upstream: [up.hostPort], onLoop: (m) => messages.push(m) });
    expect(await codeOf(fw.probeLoop())).toBe('CDNS_UPSTREAM_LOOP');
    expect(messages).toHaveLength(1);
    const probeName = up.received[0].name;
    expect(probeName).toMatch(PROBE_NAME);
    expect(up.received[0].type).toBe('HINFO');
    expect(messages[0]).toContain('forwarding loop detected');
    expect(messages[0]).toContain(`${probeName}. HINFO`);
    expect(messages[0]).toContain(up.key);
    // The probe went round twice and was stopped: nothing keeps circulating.
    expect(up.received).toHaveLength(2);
    expect(fw.inFlight).toBe(0);
    // The name stays refused; other names are forwarded as usual; onLoop is not repeated.
    expect(await codeOf(fw.resolve(query(probeName, 'HINFO'), probeName, 13))).toBe('CDNS_UPSTREAM_LOOP');
    expect(messages).toHaveLength(1);
  });

  test('a sane upstream: the probe is answered NXDOMAIN once and nothing is reported', async () => {
    const messages: string[] = [];
    const up = await fake({ mode: 'nxdomain' });
    const fw = forwarder({ upstream: [up.hostPort], onLoop: (m) => messages.push(m) });
    await expect(fw.probeLoop()).resolves.toBeUndefined();
    expect(messages).toEqual([]);
    expect(up.received).toHaveLength(1);
    expect(up.received[0].name).toMatch(PROBE_NAME);
    // Ordinary names are untouched by the armed probe name.
    expect(rcode(await fw.resolve(query('a.example'), 'a.example', 1))).toBe('NXDOMAIN');
  });

  test('an upstream that retries the probe to us once is not a loop', async () => {
    const messages: string[] = [];
    let fw: Forwarder | null = null;
    let bounced = false;
    const up = await fake({
      onQuery: async (raw, q) => {
        const name = q.questions?.[0].name ?? '';
        if (bounced) return undefined; // answer normally from now on
        bounced = true;
        return fw!.resolve(raw, name, 13);
      },
      mode: 'nxdomain',
    });
    fw = forwarder({ upstream: [up.hostPort], onLoop: (m) => messages.push(m) });
    await expect(fw.probeLoop()).resolves.toBeUndefined();
    expect(messages).toEqual([]);
  });

  test('unreachable upstreams during the probe are not a loop', async () => {
    const up = await fake({ mode: 'drop' });
    const messages: string[] = [];
    const fw = forwarder({ upstream: [up.hostPort], timeoutMs: 100, onLoop: (m) => messages.push(m) });
    await expect(fw.probeLoop()).resolves.toBeUndefined();
    expect(messages).toEqual([]);
  });
});
