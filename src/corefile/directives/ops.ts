// The process-wide operations plugins (their READMEs): health [ADDR] { lameduck DURATION }
// (default :8080), ready [ADDR] (default :8181), prometheus [ADDR] (default localhost:9153),
// reload [INTERVAL [JITTER]] (default 30s, at least 2s), debug. As in CoreDNS, an endpoint
// the Corefile does not name is off (compile.ts turns the absent ones off).
import type { Line } from '../args';
import { warn, type BlockContext } from '../context';

export function health(line: Line, ctx: BlockContext): void {
  const [addr] = line.count(0, 1, 'health [ADDRESS]');
  ctx.process.set('health', addr === undefined ? { host: '0.0.0.0', port: 8080 } : line.listen(addr, 8080), line);
  for (const o of line.block()) {
    if (o.name !== 'lameduck') throw o.unknown(['lameduck']);
    ctx.process.set('lameDuckMs', o.duration(o.count(1, 1, 'lameduck DURATION')[0], 'a lame duck duration'), o);
  }
}

export function ready(line: Line, ctx: BlockContext): void {
  const [addr] = line.count(0, 1, 'ready [ADDRESS]');
  line.noBlock();
  ctx.process.set('ready', addr === undefined ? { host: '0.0.0.0', port: 8181 } : line.listen(addr, 8181), line);
}

export function prometheus(line: Line, ctx: BlockContext): void {
  const [addr] = line.count(0, 1, 'prometheus [ADDRESS]');
  for (const o of line.block()) {
    if (o.name !== 'runtime_metrics' && o.name !== 'tls') throw o.unknown(['runtime_metrics', 'tls']);
    if (o.name === 'tls') throw o.fail('metrics over HTTPS are not supported', o.d.name, 'CDNS_COREFILE_UNSUPPORTED');
    warn(ctx, o, 'ignored: Node.js process metrics are always exported');
  }
  ctx.process.set('metrics', addr === undefined ? { host: '127.0.0.1', port: 9153 } : line.listen(addr, 9153), line);
}

export function reload(line: Line, ctx: BlockContext): void {
  const [interval, jitter] = line.count(0, 2, 'reload [INTERVAL [JITTER]]');
  line.noBlock();
  const ms = interval === undefined ? 30_000 : line.duration(interval, 'a check interval', 2000);
  if (jitter !== undefined) line.duration(jitter, 'a jitter', 1000);
  ctx.process.set('reloadIntervalMs', ms, line);
}

/** debug: CoreDNS logs debug lines and stops recovering panics; here, log level debug. */
export function debug(line: Line, ctx: BlockContext): void {
  line.count(0, 0, 'debug');
  line.noBlock();
  ctx.process.set('logLevel', 'debug', line);
}
