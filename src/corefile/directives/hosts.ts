// hosts [FILE [ZONES...]] { INLINE lines; ttl; reload; no_reverse; fallthrough [ZONES] }
// (plugin/hosts README). FILE defaults to /etc/hosts and is re-read every 5 s (reload 0 turns
// that off); a file missing at start is a warning, not an error, and the inline lines (any line
// starting with an IP address) still serve. ttl defaults to 3600 (1-65535). k3s writes
// `hosts /etc/coredns/NodeHosts { ttl 60; reload 15s; fallthrough }`.
import fs from 'node:fs';
import { isIP } from 'node:net';
import type { HostsConfig } from '../../plugins/types';
import type { Line } from '../args';
import { filePath, origin, warn, type BlockContext } from '../context';
import { fallthrough } from './fallthrough';

const OPTIONS = ['IP NAME... (an inline hosts line)', 'ttl', 'reload', 'no_reverse', 'fallthrough', 'fallthrough_unsupported'];

export function hosts(line: Line, ctx: BlockContext): void {
  const [fileTok, ...zoneToks] = line.args;
  const plan: HostsConfig = {
    origin: origin(line),
    file: filePath(line, fileTok?.text ?? '/etc/hosts'),
    zones: zoneToks.length > 0 ? line.zones(zoneToks) : ctx.zones,
    inline: [],
    ttl: 3600,
    reloadMs: 5000,
    noReverse: false,
    fallthrough: null,
  };
  for (const o of line.block()) {
    switch (o.name) {
      case 'ttl':
        plan.ttl = o.int(o.count(1, 1, 'ttl SECONDS')[0], 1, 65535, 'a TTL in seconds');
        break;
      case 'reload':
        plan.reloadMs = o.duration(o.count(1, 1, 'reload DURATION')[0], 'a reload interval (0 = off)');
        break;
      case 'no_reverse':
        o.count(0, 0, 'no_reverse');
        plan.noReverse = true;
        break;
      case 'fallthrough':
        plan.fallthrough = fallthrough(o);
        break;
      case 'fallthrough_unsupported':
        warn(ctx, o, 'ignored: other types of a known name are NODATA');
        break;
      default:
        if (isIP(o.name) === 0) throw o.unknown(OPTIONS);
        o.noBlock();
        if (o.args.length === 0) throw o.fail('expected a host name after the address');
        plan.inline.push([o.name, ...o.args.map((t) => t.text)].join(' '));
    }
  }
  const file = plan.file as string;
  let stat: fs.Stats | null = null;
  try {
    stat = fs.statSync(file);
  } catch {
    warn(ctx, line, `${file} does not exist (yet); ${plan.inline.length > 0 ? 'the inline lines serve' : 'nothing serves'} until it appears`);
  }
  if (stat?.isDirectory()) throw line.fail(`${file} is a directory; expected a hosts file`, fileTok ?? line.d.name);
  ctx.plan.hosts = plan;
}
