// Starts the real server in-process on 127.0.0.1 with an ephemeral port, and queries it over
// real UDP and TCP sockets. Every test that starts one registers close() in afterAll/afterEach.
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import * as dnsPacket from 'dns-packet';
import { DEFAULTS, type Options } from '../../src/config/options';
import { mergeOptions, type OptionsLayer } from '../../src/config/file';
import { startServer, type Running } from '../../src/app';
import { silentLogger } from '../../src/ops/log';

export interface TestServer {
  running: Running;
  port: number;
  dir: string;
  close(): Promise<void>;
}

/** A temp dir holding `snapshot.yaml` with the given YAML text. */
export function snapshotDir(yaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-test-'));
  fs.writeFileSync(path.join(dir, 'snapshot.yaml'), yaml);
  return dir;
}

export async function startTestServer(yaml: string, layer: OptionsLayer = {}): Promise<TestServer> {
  const workers = Number(process.env.CLUSTERDNS_TEST_WORKERS ?? 0);
  if (workers > 1) return startCliServer(yaml, layer, workers);
  return startInProcessServer(yaml, layer);
}

/**
 * The server in this process whatever CLUSTERDNS_TEST_WORKERS says: for tests that read or
 * change `running` (the memo, the store) and so cannot run against the CLI.
 */
export async function startInProcessServer(yaml: string, layer: OptionsLayer = {}): Promise<TestServer> {
  const dir = snapshotDir(yaml);
  const opts: Options = mergeOptions(DEFAULTS, {
    listen: [{ host: '127.0.0.1', port: 0 }],
    snapshot: path.join(dir, 'snapshot.yaml'),
    health: null,
    ready: null,
    metrics: null,
    upstream: [],
    ...layer,
  });
  const running = await startServer(opts, silentLogger, { onLoop: () => undefined });
  return {
    running,
    port: running.ports[0],
    dir,
    async close() {
      await running.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A HostPort as a config file writes it. */
const hp = (h: { host: string; port: number }) => (h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`);

/**
 * The same server as the real CLI with --workers N (CLUSTERDNS_TEST_WORKERS=N): the options
 * layer goes into a config file, and the port is read from the start-up log line. `running`
 * is not available: tests run this way talk to the server only over the network.
 */
export async function startCliServer(yaml: string, layer: OptionsLayer, workers: number): Promise<TestServer> {
  const dir = snapshotDir(yaml);
  const config: Record<string, unknown> = { ...layer, upstream: (layer.upstream ?? []).map(hp), workers };
  delete config.snapshot;
  if (layer.stubDomains) config.stubDomains = Object.fromEntries(layer.stubDomains.map((s) => [s.domain, s.servers.map(hp)]));
  if (config.upstream && (config.upstream as unknown[]).length === 0) delete config.upstream;
  fs.writeFileSync(path.join(dir, 'config.yaml'), JSON.stringify(config));
  const args = [path.resolve(__dirname, '../../dist/cli.js'), 'serve', '--snapshot', layer.snapshot ?? path.join(dir, 'snapshot.yaml'), '--listen', '127.0.0.1:0',
    '--health', 'off', '--ready', 'off', '--metrics', 'off', '--config', path.join(dir, 'config.yaml'), '--lame-duck', '0'];
  if (!layer.upstream || layer.upstream.length === 0) args.push('--resolv-conf', path.join(dir, 'empty-resolv.conf'));
  fs.writeFileSync(path.join(dir, 'empty-resolv.conf'), '');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no start-up line from the CLI:\n${out}`)), 15000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"listen":\["127\.0\.0\.1:(\d+)"/.exec(out);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`CLI exited ${code}:\n${out}`)); });
  });
  return {
    running: null as unknown as Running,
    port,
    dir,
    async close() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Question = { name: string; type: dnsPacket.RecordType };

/** Encodes a query; `edns` adds an OPT record advertising that UDP size. */
export function encodeQuery(q: Question, opts: { id?: number; edns?: number; rd?: boolean } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? Math.floor(Math.random() * 65536),
    flags: opts.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ name: q.name, type: q.type, class: 'IN' }],
    additionals: opts.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns, flags: 0 } as dnsPacket.Answer] : [],
  });
}

/** Sends raw bytes over UDP and resolves with the raw reply, or null after timeoutMs. */
export function udpRaw(port: number, msg: Buffer, timeoutMs = 1000, host = '127.0.0.1'): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const t = setTimeout(() => { s.close(); resolve(null); }, timeoutMs);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m); });
    s.send(msg, port, host);
  });
}

/** Sends raw frames over one TCP connection; resolves with every framed reply received. */
export function tcpRaw(port: number, frames: Buffer[], expect = frames.length, timeoutMs = 2000, host = '127.0.0.1'): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const sock = net.connect(port, host);
    const done = () => { clearTimeout(t); sock.destroy(); resolve(out); };
    const t = setTimeout(done, timeoutMs);
    sock.on('connect', () => {
      for (const f of frames) {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(f.length);
        sock.write(Buffer.concat([len, f]));
      }
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= expect) done();
    });
    sock.on('error', done);
    sock.on('close', done);
  });
}

export async function queryUdp(port: number, q: Question, opts: { edns?: number; id?: number } = {}): Promise<dnsPacket.Packet> {
  const reply = await udpRaw(port, encodeQuery(q, opts));
  if (reply === null) throw new Error(`no UDP reply for ${q.name} ${q.type}`);
  return dnsPacket.decode(reply);
}

export async function queryTcp(port: number, q: Question): Promise<dnsPacket.Packet> {
  const [reply] = await tcpRaw(port, [encodeQuery(q)]);
  if (!reply) throw new Error(`no TCP reply for ${q.name} ${q.type}`);
  return dnsPacket.decode(reply);
}

/** Runs dig (Debian dnsutils) against the server; returns stdout. */
export function dig(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args], { timeout: 10000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`dig ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

export const rcodeOf = (p: dnsPacket.Packet) => (p as { rcode?: string }).rcode ?? 'NOERROR';
/** Answer data as sorted strings `TYPE data`, for table assertions. */
export function answerData(p: dnsPacket.Packet, section: 'answers' | 'authorities' | 'additionals' = 'answers'): string[] {
  return (p[section] ?? [])
    .filter((a) => a.type !== 'OPT')
    .map((a) => `${a.name} ${a.type} ${typeof (a as { data?: unknown }).data === 'object' ? JSON.stringify((a as { data: unknown }).data) : String((a as { data?: unknown }).data)}`)
    .sort();
}

/** A port free for both UDP and TCP on 127.0.0.1 (picked by the kernel, then released). */
export async function freePort(): Promise<number> {
  for (;;) {
    const srv = net.createServer();
    const port = await new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as net.AddressInfo).port)));
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      udp.once('error', () => r(false));
      udp.bind(port, '127.0.0.1', () => r(true));
    });
    await new Promise<void>((r) => srv.close(() => r()));
    if (ok) {
      await new Promise<void>((r) => udp.close(() => r()));
      return port;
    }
    udp.close();
  }
}
