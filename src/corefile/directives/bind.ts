// bind ADDRESS|IFACE... { except ADDRESS|IFACE... } (plugin/bind README): the block listens on
// these addresses instead of every address; several bind lines add up; an interface name means
// its addresses at start (and at each reload). Host names are refused: CoreDNS resolves them to
// at most one address, which is never what a cluster wants.
import os from 'node:os';
import { isIP } from 'node:net';
import { normalizeIP } from '../../cluster/ip';
import type { Line } from '../args';
import type { BlockContext } from '../context';
import type { Token } from '../lexer';

export function bind(line: Line, ctx: BlockContext): void {
  const addrs = line.count(1, Infinity, 'bind ADDRESS|IFACE...').flatMap((t) => addresses(line, t));
  let except: string[] = [];
  for (const o of line.block()) {
    if (o.name !== 'except') throw o.unknown(['except']);
    except = o.count(1, Infinity, 'except ADDRESS|IFACE...').flatMap((t) => addresses(o, t));
  }
  for (const host of addrs) {
    if (except.includes(host) || ctx.binds.some((b) => b.host === host)) continue;
    ctx.binds.push({ host, port: 0 });
  }
}

function addresses(line: Line, t: Token): string[] {
  const text = t.text.replace(/^\[|\]$/g, '');
  if (isIP(text) !== 0) return [text.includes('%') ? text : normalizeIP(text)];
  const iface = os.networkInterfaces()[text];
  if (iface !== undefined) return iface.map((a) => (a.family === 'IPv6' && a.address.startsWith('fe80') ? `${a.address}%${text}` : a.address));
  throw line.fail(`expected an IP address or a network interface name (${Object.keys(os.networkInterfaces()).join(', ')}), got "${t.text}"`, t);
}
