// Probes for end-to-end tests that watch the server from outside while something changes
// behind it: how long until an answer changes (SPEC §6 "DNS programming latency"), a bounded
// continuous poll that records every answer, and GETs of the ops endpoints.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type * as dnsPacket from 'dns-packet';
import { ask, rcode, rrs, sleep, type Decoded } from './dns-e2e';

export interface Seen {
  rcode: string;
  /** `name TYPE data`, sorted (dns-e2e rrs). */
  answers: string[];
}

const seen = (p: Decoded): Seen => ({ rcode: rcode(p), answers: rrs(p) });

/** One UDP query, reduced to rcode and answer lines. Throws when no reply comes. */
export async function probe(port: number, name: string, type: dnsPacket.RecordType): Promise<Seen> {
  return seen((await ask(port, name, type)).packet);
}

/**
 * Polls `name` until `ok` holds and returns the ms from `since` (performance.now() of the API
 * change) to the first such answer; throws with the last answer after `maxMs`. This is the
 * "DNS programming latency" of SPEC §6, measured from outside.
 */
export async function msUntil(port: number, name: string, type: dnsPacket.RecordType, ok: (s: Seen) => boolean, since: number, maxMs = 3000): Promise<number> {
  let last: Seen | string = 'no answer yet';
  for (;;) {
    try {
      const s = await probe(port, name, type);
      if (ok(s)) return performance.now() - since;
      last = s;
    } catch (e) {
      last = String(e);
    }
    if (performance.now() - since > maxMs) throw new Error(`${name} ${type}: condition not met within ${maxMs} ms; last: ${JSON.stringify(last)}`);
    await sleep(2);
  }
}

/** Applies an API change and returns how long until DNS shows it; see msUntil. */
export async function latencyOf(port: number, change: () => unknown, name: string, type: dnsPacket.RecordType, ok: (s: Seen) => boolean, maxMs = 3000): Promise<number> {
  const t0 = performance.now();
  change();
  return msUntil(port, name, type, ok, t0, maxMs);
}

export interface Sample extends Seen {
  /** performance.now() when the answer came (compare with LogLine.at). */
  at: number;
  name: string;
  type: dnsPacket.RecordType;
}

export interface Poll {
  /** Stops the poll (at most `maxMs` after it started anyway) and returns every sample. */
  stop(): Promise<Sample[]>;
  readonly samples: Sample[];
}

/**
 * Queries each question in turn, `gapMs` apart, until stopped or `maxMs` (and at most
 * `maxQueries`) are reached: a bounded loop that records what clients saw while the API server
 * misbehaved. A query without a reply is a sample with rcode 'NO REPLY'.
 */
export function pollAnswers(
  port: number,
  questions: { name: string; type: dnsPacket.RecordType }[],
  o: { gapMs?: number; maxMs?: number; maxQueries?: number } = {},
): Poll {
  const gap = o.gapMs ?? 5;
  const maxMs = o.maxMs ?? 10_000;
  const maxQueries = o.maxQueries ?? 20_000;
  const samples: Sample[] = [];
  let stopped = false;
  const t0 = performance.now();
  const loop = (async () => {
    for (let i = 0; !stopped && i < maxQueries && performance.now() - t0 < maxMs; i++) {
      const q = questions[i % questions.length];
      let s: Seen;
      try {
        s = await probe(port, q.name, q.type);
      } catch {
        s = { rcode: 'NO REPLY', answers: [] };
      }
      samples.push({ at: performance.now(), name: q.name, type: q.type, ...s });
      if (gap > 0) await sleep(gap);
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/** Samples that are not exactly `want` for their name, for a readable failure. */
export function unexpected(samples: Sample[], want: Record<string, Seen>): Sample[] {
  return samples.filter((s) => {
    const w = want[s.name];
    return w !== undefined && (s.rcode !== w.rcode || JSON.stringify(s.answers) !== JSON.stringify(w.answers));
  });
}

// ---- ops endpoints ----

/** GET http://127.0.0.1:<port><path>: status and body; rejects after 2 s. */
export function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} on port ${port}: no answer in 2 s`)));
    req.on('error', reject);
  });
}

/** The value of one sample line of a Prometheus text exposition (`name{labels} value`); 0 when absent. */
export function metricValue(text: string, series: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1).trim().split(' ')[0]);
  }
  return 0;
}
