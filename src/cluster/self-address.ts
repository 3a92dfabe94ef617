// The addresses of this server, for `ns.dns.<zone>` and the glue of the apex NS when no
// kube-dns Service names it (SPEC §1: "A/AAAA of this DNS server"; issue 10 item 3). As
// CoreDNS's kubernetes plugin (local.go boundIPs, ns.go nsAddrs): the addresses it listens
// on, or with a wildcard listen address the machine's own, loopback left out when anything
// else is there. Decided once, when the zone is built (STYLE rule 9).
import type { NetworkInterfaceInfo } from 'node:os';

const WILDCARD = new Set(['', '0.0.0.0', '::', '[::]']);

export function selfAddresses(listenHosts: string[], interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const out: string[] = [];
  let wildcard = false;
  for (const h of listenHosts) {
    if (WILDCARD.has(h)) wildcard = true;
    else out.push(h.replace(/^\[|\]$/g, ''));
  }
  if (wildcard) {
    for (const list of Object.values(interfaces)) {
      for (const i of list ?? []) {
        // A link-local IPv6 address needs a zone index to be used: no good to a client.
        if (i.family === 'IPv6' && i.address.toLowerCase().startsWith('fe80:')) continue;
        out.push(i.address);
      }
    }
  }
  const unique = [...new Set(out)];
  const routable = unique.filter((a) => !isLoopback(a));
  return routable.length > 0 ? routable : unique;
}

function isLoopback(a: string): boolean {
  return a.startsWith('127.') || a === '::1';
}
