// forward FROM TO... { except; force_tcp; prefer_udp; expire; max_fails; health_check; policy;
// max_concurrent } (plugin/forward README). TO is IP[:port] (dns:// allowed) or a resolv.conf
// path (`/etc/resolv.conf` in every distribution), whose nameservers are read by the forwarder
// and re-read on reload. Defaults are CoreDNS's: policy random, max_fails 2, health_check 0.5s,
// expire 10s, a 2 s read timeout per attempt, and no max_concurrent (0 = no cap).
import fs from 'node:fs';
import { isIP } from 'node:net';
import type { HostPort } from '../../config/options';
import type { ForwardPlan } from '../../config/plan';
import { normalizeIP } from '../../cluster/ip';
import { parseResolvConf } from '../../upstream/resolvconf';
import type { Line } from '../args';
import { filePath, origin, warn, type BlockContext } from '../context';
import type { Token } from '../lexer';

const OPTIONS = ['except', 'force_tcp', 'prefer_udp', 'expire', 'max_fails', 'health_check', 'policy', 'max_concurrent', 'max_idle_conns', 'next', 'failover', 'failfast_all_unhealthy_upstreams'];
const UNSUPPORTED_SCHEMES = ['tls://', 'https://', 'grpc://', 'quic://'];

export function forward(line: Line, ctx: BlockContext): void {
  const [fromTok, ...toToks] = line.count(2, 16, 'forward FROM TO...');
  const from = line.zones([fromTok])[0];
  const plan: ForwardPlan = {
    origin: origin(line),
    from,
    to: null,
    resolvConf: '/etc/resolv.conf',
    except: [],
    forceTcp: false,
    preferUdp: false,
    policy: 'random',
    maxConcurrent: 0,
    timeoutMs: 2000,
    maxFails: 2,
    healthCheckMs: 500,
    expireMs: 10_000,
  };
  const addrs: HostPort[] = [];
  const files: Token[] = [];
  for (const t of toToks) {
    const hp = upstream(line, t);
    if (hp === null) files.push(t);
    else addrs.push(hp);
  }
  if (files.length > 0 && addrs.length === 0 && files.length === 1) {
    plan.resolvConf = filePath(line, files[0].text);
  } else {
    // Addresses and files mixed (or several files): CoreDNS reads the files now and forwards
    // to the union; so does this, and a reload re-reads them.
    for (const f of files) {
      addrs.push(...readNameservers(line, f));
      ctx.files.push(filePath(line, f.text));
    }
    plan.to = addrs;
  }
  for (const o of line.block()) {
    switch (o.name) {
      case 'except':
        plan.except = o.zones(o.count(1, Infinity, 'except ZONE...'));
        break;
      case 'force_tcp':
        o.count(0, 0, 'force_tcp');
        plan.forceTcp = true;
        break;
      case 'prefer_udp':
        o.count(0, 0, 'prefer_udp');
        plan.preferUdp = true;
        break;
      case 'expire':
        plan.expireMs = o.duration(o.count(1, 1, 'expire DURATION')[0], 'an idle connection lifetime');
        break;
      case 'max_fails':
        plan.maxFails = o.int(o.count(1, 1, 'max_fails N')[0], 0, 1_000_000, 'a failure count');
        break;
      case 'health_check': {
        const [d, ...rest] = o.count(1, 4, 'health_check DURATION [no_rec] [domain FQDN]');
        plan.healthCheckMs = o.duration(d, 'a health check interval', 1);
        if (rest.length > 0) warn(ctx, o, `${rest.map((t) => t.text).join(' ')} ignored: health checks ask ". IN NS" with recursion desired`);
        break;
      }
      case 'policy':
        plan.policy = o.oneOf(o.count(1, 1, 'policy random|round_robin|sequential')[0], ['random', 'round_robin', 'sequential'] as const);
        break;
      case 'max_concurrent':
        plan.maxConcurrent = o.int(o.count(1, 1, 'max_concurrent MAX')[0], 1, 1_000_000, 'a query count');
        break;
      case 'max_idle_conns':
        o.count(1, 1, 'max_idle_conns N');
        warn(ctx, o, 'ignored: idle connections are bounded by expire');
        break;
      case 'next':
      case 'failover':
      case 'failfast_all_unhealthy_upstreams':
      case 'tls':
      case 'tls_servername':
        throw o.fail('not supported by clusterdns (one forward per block, plain DNS only)', o.d.name, 'CDNS_COREFILE_UNSUPPORTED');
      default:
        throw o.unknown(OPTIONS);
    }
  }
  // CoreDNS: force_tcp wins over prefer_udp.
  if (plan.forceTcp) plan.preferUdp = false;
  ctx.plan.forward = plan;
}

/** IP[:port] (optionally dns://); null for a path (resolv.conf). */
function upstream(line: Line, t: Token): HostPort | null {
  let s = t.text;
  const scheme = UNSUPPORTED_SCHEMES.find((p) => s.toLowerCase().startsWith(p));
  if (scheme !== undefined) throw line.fail(`${scheme} upstreams are not supported; expected IP[:port] or a resolv.conf file, got "${s}"`, t, 'CDNS_COREFILE_UNSUPPORTED');
  if (s.toLowerCase().startsWith('dns://')) s = s.slice(6);
  let host = s;
  let port = 53;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? (isIP(s) === 6 ? null : /^([^:]+):(\d+)$/.exec(s));
  if (m !== null) {
    host = m[1];
    if (m[2] !== undefined) port = Number(m[2]);
  }
  if (isIP(host) !== 0) {
    if (port < 1 || port > 65535) throw line.fail(`expected a port 1-65535, got "${t.text}"`, t);
    return { host: host.includes('%') ? host : normalizeIP(host), port };
  }
  if (s.includes('/') || fs.existsSync(filePath(line, s))) return null;
  throw line.fail(`expected an IP address with optional :port, or a resolv.conf file (upstreams are not looked up by name), got "${t.text}"`, t);
}

function readNameservers(line: Line, t: Token): HostPort[] {
  const file = filePath(line, t.text);
  try {
    return parseResolvConf(fs.readFileSync(file, 'utf8'), file);
  } catch (e) {
    throw line.fail(`cannot use ${file} as a resolv.conf: ${(e as Error).message}`, t);
  }
}
