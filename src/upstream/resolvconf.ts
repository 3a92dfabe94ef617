// The default upstreams: the `nameserver` lines of the server's own /etc/resolv.conf (SPEC §4;
// the pod runs with dnsPolicy: Default, so that is the node's resolver).
//
// Parsing follows resolv.conf(5) as glibc reads it: `#` or `;` starts a comment line, the
// keyword is the first word, the address the second, and anything after it is ignored. Other
// keywords (search, domain, options, sortlist) and unknown ones are ignored as glibc does, so
// an unusual node file does not stop the server. Unlike glibc, every nameserver is returned,
// not only the first 3 (MAXNS): CoreDNS's `forward . /etc/resolv.conf` does the same.
//
// What is an error (CDNS_UPSTREAM_RESOLVCONF, with file:line): an unreadable file, a
// `nameserver` line without an IP address, and a file without any nameserver. glibc falls back
// to 127.0.0.1 in the last case; for a DNS server that is very likely itself, i.e. a loop, so
// we refuse like CoreDNS ("no nameservers found").

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { HostPort } from '../config/options';
import { UpstreamError } from './errors';

const DNS_PORT = 53;

export function readResolvConf(path: string): HostPort[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new UpstreamError('CDNS_UPSTREAM_RESOLVCONF', `${path}: cannot read (${why}); pass --upstream <ip[:port],...> instead`);
  }
  return parseResolvConf(text, path);
}

/** The parser alone, for tests and for callers that already hold the text. */
export function parseResolvConf(text: string, path: string): HostPort[] {
  const out: HostPort[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line[0] === '#' || line[0] === ';') continue;
    const words = line.split(/\s+/);
    if (words[0] !== 'nameserver') continue;
    const addr = words[1];
    if (addr === undefined) {
      throw new UpstreamError('CDNS_UPSTREAM_RESOLVCONF', `${path}:${i + 1}: 'nameserver' needs an IP address`);
    }
    if (isIP(addr) === 0) {
      throw new UpstreamError(
        'CDNS_UPSTREAM_RESOLVCONF',
        `${path}:${i + 1}: nameserver must be an IPv4 or IPv6 address, got '${addr}'`,
      );
    }
    out.push({ host: addr, port: DNS_PORT });
  }
  if (out.length === 0) {
    throw new UpstreamError(
      'CDNS_UPSTREAM_RESOLVCONF',
      `${path}: no 'nameserver' line; pass --upstream <ip[:port],...> to name the upstream resolvers`,
    );
  }
  return out;
}
