// Helpers for the end-to-end tests of forwarding and caching (test/e2e/forward*, cache*, stub*).
// A "zone upstream" is the FakeUpstream of fake-upstream.ts (real UDP and TCP on 127.0.0.1)
// answering from a table of canned replies built with dns-packet, so what the server does
// with an upstream's bytes is checked against an independent encoder.
//
// The same tests run against an in-process server and against the CLI with --workers N
// (CLUSTERDNS_TEST_WORKERS=N). Workers are UDP threads of one process (server/threads.ts):
// one cache, one upstream health, one concurrency cap, whatever N is. So an upstream sees
// exactly what one server asks, and WORKERS (the independent caches a test must fill) is 1.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as dnsPacket from 'dns-packet';
import { FakeUpstream, type FakeUpstreamOptions } from './fake-upstream';
import { ask, type AskOptions, type Reply } from './dns-e2e';
import { encodeQuery, udpRaw } from './server';

/** --workers of a CLI started here: 1 in-process, N with CLUSTERDNS_TEST_WORKERS=N. */
const CLI_WORKERS = Math.max(1, Number(process.env.CLUSTERDNS_TEST_WORKERS ?? 0) || 1);
/**
 * Independent caches and upstream states answering on the port: 1, also with --workers N
 * (issue 13: threads share the one cache). Tests multiply what an upstream sees by it.
 */
export const WORKERS = 1;

export const RCODE_NOERROR = 0;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

/** What a zone upstream sends for one question. */
export interface Canned {
  rcode?: number;
  answers?: dnsPacket.Answer[];
  authorities?: dnsPacket.Answer[];
  additionals?: dnsPacket.Answer[];
  /** Over UDP only: TC set and no records (the full reply goes out over TCP). */
  truncateUdp?: boolean;
  /** Answer this much later. */
  delayMs?: number;
  /** Spell the echoed question in upper case (a 0x20-style upstream). */
  upperQuestion?: boolean;
}

/** The question as the upstream received it, with how many times it has seen it before. */
export interface Asked {
  /** As sent on the wire (case kept). */
  name: string;
  /** Lower case, no trailing dot. */
  lname: string;
  type: string;
  proto: 'udp' | 'tcp';
  packet: dnsPacket.DecodedPacket;
  raw: Buffer;
  /** 1 for the first time this upstream sees (lname, type), 2 for the second... */
  nth: number;
}

/** A canned reply, a function of the question, or raw messages to send (null: drop). */
export type Rule = Canned | ((q: Asked) => Canned | Buffer | Buffer[] | null | Promise<Canned | Buffer | Buffer[] | null>);

export interface ZoneUpstream {
  fake: FakeUpstream;
  /** Queries received for a name (any case), optionally of one type. */
  asked(name: string, type?: string, proto?: 'udp' | 'tcp'): number;
}

export const NXDOMAIN_NO_SOA: Canned = { rcode: RCODE_NXDOMAIN };

/**
 * Starts an upstream answering from `rules`, keyed `"name TYPE"` or `"name *"` (lower case, no
 * trailing dot); anything else gets `fallback` (default: NXDOMAIN without an SOA, which is
 * never cached). The caller registers `fake.close()` right after.
 */
export async function startZoneUpstream(rules: Record<string, Rule>, fallback: Rule = NXDOMAIN_NO_SOA, o: FakeUpstreamOptions = {}): Promise<ZoneUpstream> {
  const seen = new Map<string, number>();
  const fake = await FakeUpstream.start({
    ...o,
    onQuery: async (raw, packet, proto) => {
      const q = packet.questions?.[0];
      if (q === undefined) return null;
      const lname = q.name.toLowerCase().replace(/\.$/, '');
      const k = `${lname} ${q.type}`;
      const nth = (seen.get(k) ?? 0) + 1;
      seen.set(k, nth);
      const rule = rules[k] ?? rules[`${lname} *`] ?? fallback;
      const asked: Asked = { name: q.name, lname, type: q.type, proto, packet, raw, nth };
      const out = typeof rule === 'function' ? await rule(asked) : rule;
      if (out === null || Buffer.isBuffer(out) || Array.isArray(out)) return out;
      if (out.delayMs) await new Promise((r) => setTimeout(r, out.delayMs));
      return replyTo(packet, out, proto);
    },
  });
  const asked = (name: string, type?: string, proto?: 'udp' | 'tcp') =>
    fake.count((r) => r.name.toLowerCase().replace(/\.$/, '') === name.toLowerCase() && (type === undefined || r.type === type) && (proto === undefined || r.proto === proto));
  return { fake, asked };
}

/** The wire reply to `q` carrying `c`: the question echoed, the query's ID, RD|RA. */
export function replyTo(q: dnsPacket.DecodedPacket, c: Canned, proto: 'udp' | 'tcp' = 'udp'): Buffer {
  const truncated = c.truncateUdp === true && proto === 'udp';
  let flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (c.rcode ?? 0);
  if (truncated) flags |= dnsPacket.TRUNCATED_RESPONSE;
  const questions = (q.questions ?? []).map((x) => (c.upperQuestion ? { ...x, name: x.name.toUpperCase() } : x));
  return dnsPacket.encode({
    type: 'response',
    id: q.id ?? 0,
    flags,
    questions,
    answers: truncated ? [] : c.answers ?? [],
    authorities: truncated ? [] : c.authorities ?? [],
    additionals: truncated ? [] : c.additionals ?? [],
  });
}

/** An SOA for a negative answer: RFC 2308 §5 caches it for min(ttl, minimum). */
export function soa(zone: string, ttl: number, minimum: number): dnsPacket.Answer {
  return {
    name: zone,
    type: 'SOA',
    ttl,
    data: { mname: `ns1.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum },
  } as dnsPacket.Answer;
}

export const A = (name: string, ip: string, ttl = 60): dnsPacket.Answer => ({ name, type: 'A', ttl, data: ip });

/**
 * One query per server process, each over its own TCP connection, one after the other: the
 * cluster module deals connections round robin, so every worker gets exactly one.
 */
export function askEach(port: number, name: string, type: dnsPacket.RecordType, o: Omit<AskOptions, 'tcp'> = {}): Promise<Reply[]> {
  // Concurrent scenarios against one server take turns: the N connections of one askEach must
  // follow each other for the round robin to give one to each worker.
  const prev = eachQueue.get(port) ?? Promise.resolve();
  const run = prev.then(async () => {
    const out: Reply[] = [];
    for (let i = 0; i < WORKERS; i++) out.push(await ask(port, name, type, { ...o, tcp: true }));
    return out;
  });
  eachQueue.set(port, run.then(() => undefined, () => undefined));
  return run;
}
const eachQueue = new Map<number, Promise<void>>();

/** Record TTLs of a section (OPT left out). */
export function ttls(p: dnsPacket.DecodedPacket, s: 'answers' | 'authorities' = 'answers'): number[] {
  return (p[s] ?? []).filter((r) => r.type !== 'OPT').map((r) => (r as { ttl?: number }).ttl ?? -1);
}

export interface Timed<T> {
  value: T;
  /** ms, from before the send to the reply. */
  ms: number;
  /** Date.now() when the reply arrived. */
  at: number;
}

export async function timed<T>(p: () => Promise<T>): Promise<Timed<T>> {
  const t0 = performance.now();
  const value = await p();
  return { value, ms: performance.now() - t0, at: Date.now() };
}

/** A UDP query that resolves with the decoded reply or null (no reply within timeoutMs). */
export async function udpAsk(port: number, name: string, type: dnsPacket.RecordType, timeoutMs: number, id?: number): Promise<dnsPacket.DecodedPacket | null> {
  const raw = await udpRaw(port, encodeQuery({ name, type }, { id }), timeoutMs);
  return raw === null ? null : dnsPacket.decode(raw);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Scenarios that need wall-clock time (TTLs counting down) run side by side from beforeAll,
 * each recording what it saw; each test then awaits its own and asserts. Keeps a file's wall
 * time near its longest scenario instead of the sum. A scenario that throws fails its test
 * only.
 */
export function scenarios<S extends Record<string, () => Promise<unknown>>>(fns: S): { [K in keyof S]: ReturnType<S[K]> } {
  const out: Record<string, Promise<unknown>> = {};
  for (const [k, fn] of Object.entries(fns)) {
    const p = fn();
    p.catch(() => undefined); // awaited (and rethrown) by its test
    out[k] = p;
  }
  return out as { [K in keyof S]: ReturnType<S[K]> };
}

export interface CliProcess {
  port: number;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  close(): Promise<void>;
}

/**
 * The real CLI (`node dist/cli.js serve`) on 127.0.0.1:0 serving `yaml`, for behaviour that
 * shows only in its output or exit status (a reported forwarding loop). With
 * CLUSTERDNS_TEST_WORKERS=N it runs with --workers N. Register close() right after.
 */
export async function spawnCli(yaml: string, args: string[]): Promise<CliProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-cli-'));
  fs.writeFileSync(path.join(dir, 'snapshot.yaml'), yaml);
  const argv = [path.resolve(__dirname, '../../dist/cli.js'), 'serve', '--snapshot', path.join(dir, 'snapshot.yaml'), '--listen', '127.0.0.1:0',
    '--health', 'off', '--ready', 'off', '--metrics', 'off', '--lame-duck', '0', '--workers', String(CLI_WORKERS), ...args];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no start-up line from the CLI:\n${out}`)), 15000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"listen":\["127\.0\.0\.1:(\d+)"/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`CLI exited ${code}:\n${out}`));
    });
  });
  return {
    port,
    output: () => out,
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves once `n` server processes (default: all) have sent their start-up loop probe to
 * `up`, i.e. each one listens. The harness returns as soon as the first worker listens; a test
 * that relies on the round robin over every worker waits for this first.
 */
export async function allListening(up: ZoneUpstream | FakeUpstream, n = WORKERS, timeoutMs = 5000): Promise<void> {
  const fake = 'fake' in up ? up.fake : up;
  const probes = () => new Set(fake.received.filter((r) => r.name.endsWith('.clusterdns-loop')).map((r) => r.name)).size;
  const until = Date.now() + timeoutMs;
  while (probes() < n) {
    if (Date.now() > until) throw new Error(`only ${probes()} of ${n} server processes sent their loop probe within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** The cluster every forwarding test serves beside its upstreams: one Service, web.default (10.96.12.34). */
export const WEB_CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.12.34, ports: [{ name: http, port: 80, protocol: TCP }] }
`;
