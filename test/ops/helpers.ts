// Helpers for the ops tests: a logger that keeps its JSON lines, HTTP GET, a Prometheus text
// parser, and a bounded UDP query loop that records every query and its answer.
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as dnsPacket from 'dns-packet';
import { createLogger, type Logger } from '../../src/ops/log';
import { mergeOptions, type OptionsLayer } from '../../src/config/file';
import { DEFAULTS, type Options } from '../../src/config/options';

export const SNAPSHOT = `
apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.0.5, clusterIPs: [10.96.0.5], ports: [{ name: http, port: 80, protocol: TCP }] }
`;

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-ops-'));
}

/** Options for an in-process server on 127.0.0.1 ephemeral ports, snapshot source, no upstream. */
export function testOptions(dir: string, layer: OptionsLayer = {}): Options {
  const snapshot = path.join(dir, 'snapshot.yaml');
  if (!fs.existsSync(snapshot)) fs.writeFileSync(snapshot, SNAPSHOT);
  // Not validated: `upstream: []` (no forwarder) is a test-only state the validator refuses.
  return mergeOptions(DEFAULTS, {
      listen: [{ host: '127.0.0.1', port: 0 }],
      snapshot,
      health: { host: '127.0.0.1', port: 0 },
      ready: { host: '127.0.0.1', port: 0 },
      metrics: { host: '127.0.0.1', port: 0 },
      upstream: [],
      lameDuckMs: 300,
      ...layer,
    });
}

export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

/** A real pino logger (JSON lines) whose output is kept in `lines`. */
export function captureLogger(level: 'debug' | 'info' = 'info'): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger(level, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { log, lines };
}

export function get(port: number, pathname: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.setTimeout(3000, () => req.destroy(new Error(`GET ${pathname} timed out`)));
  });
}

// ---------------------------------------------------------------- Prometheus text format

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromText {
  samples: PromSample[];
  /** family name -> counter | gauge | histogram | ... */
  types: Map<string, string>;
  help: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

/** Parses text format 0.0.4; throws on any line it does not understand. */
export function parseProm(text: string): PromText {
  const out: PromText = { samples: [], types: new Map(), help: new Map() };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (out.types.has(name)) throw new Error(`TYPE given twice for ${name}`);
      out.types.set(name, type);
      continue;
    }
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const sp = rest.indexOf(' ');
      out.help.set(rest.slice(0, sp), rest.slice(sp + 1));
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2] !== undefined && m[2] !== '') {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < m[2].length) {
        const l = LABEL.exec(m[2]);
        if (!l) throw new Error(`bad labels in: ${line}`);
        labels[l[1]] = l[2].replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    // Go's ParseFloat (what Prometheus uses) takes NaN and Inf in any case; prom-client writes `Nan`.
    const value = /^[+-]?inf$/i.test(m[3]) ? (m[3].startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(m[3]) ? NaN : Number(m[3]);
    if (Number.isNaN(value) && !/^nan$/i.test(m[3])) throw new Error(`bad value in: ${line}`);
    out.samples.push({ name: m[1], labels, value });
  }
  return out;
}

/** The family a sample belongs to (histogram _bucket/_sum/_count lines included). */
export function familyOf(p: PromText, sample: string): string | undefined {
  if (p.types.has(sample)) return sample;
  const base = sample.replace(/_(bucket|sum|count)$/, '');
  return p.types.get(base) === 'histogram' || p.types.get(base) === 'summary' ? base : undefined;
}

/** Samples named `name` whose labels include `where`. */
export function pick(p: PromText, name: string, where: Record<string, string> = {}): PromSample[] {
  return p.samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v));
}

/** Sum of the samples named `name` matching `where`; 0 when none. */
export function total(p: PromText, name: string, where: Record<string, string> = {}): number {
  return pick(p, name, where).reduce((a, s) => a + s.value, 0);
}

// ---------------------------------------------------------------- DNS

export function query(name: string, type: dnsPacket.RecordType, id: number): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] });
}

export interface Sent {
  id: number;
  sentAt: number;
  /** Date.now() at send, to compare with the server's log timestamps. */
  sentWall: number;
  answeredAt: number;
  reply: dnsPacket.DecodedPacket | null;
}

/**
 * Sends `count` UDP queries for `name`, one every `intervalMs`, from one socket, and resolves
 * when every one is answered or `waitMs` after the last send. IDs are 1..count, so a reply maps
 * to its query; `onEach(i)` runs before query i is sent (to act mid-loop).
 */
export async function queryLoop(o: {
  port: number;
  name: string;
  type?: dnsPacket.RecordType;
  count: number;
  intervalMs: number;
  waitMs?: number;
  until?: () => boolean;
  onEach?: (i: number) => void | Promise<void>;
}): Promise<Sent[]> {
  const sock = dgram.createSocket('udp4');
  const sent: Sent[] = [];
  let answered = 0;
  sock.on('message', (m) => {
    const id = m.readUInt16BE(0);
    const s = sent[id - 1];
    if (s === undefined || s.reply !== null) return;
    s.reply = dnsPacket.decode(m);
    s.answeredAt = performance.now();
    answered++;
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    for (let i = 0; i < o.count; i++) {
      if (o.until?.()) break;
      await o.onEach?.(i);
      const id = i + 1;
      sent.push({ id, sentAt: performance.now(), sentWall: Date.now(), answeredAt: 0, reply: null });
      sock.send(query(o.name, o.type ?? 'A', id), o.port, '127.0.0.1');
      if (o.intervalMs > 0) await new Promise((r) => setTimeout(r, o.intervalMs));
      else if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    const until = Date.now() + (o.waitMs ?? 1000);
    while (answered < sent.length && Date.now() < until) await sleep(10);
  } finally {
    sock.close();
  }
  return sent;
}

/** A port nothing listens on right now (bound and released), for an endpoint we must know before start. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms; throws with `what` after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
