// The search domains autopath walks after the cluster zone (issue 12): by default those of the
// server's own resolv.conf. The server pod runs with dnsPolicy: Default, so that is the node's
// list, which kubelet also appends to every pod's `search <ns>.svc.<zone> svc.<zone> <zone>`
// line: the walk then covers what the pod itself would try.
//
// resolv.conf(5) as glibc reads it: the last `search` or `domain` line wins; `#`/`;` comments.
// An unreadable file means no search domains (the walk still tries the bare name): the file is
// optional for autopath, and upstream/resolvconf.ts already reports it when it names the upstreams.
import { readFileSync } from 'node:fs';

export function searchDomainsOf(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return parseSearchDomains(text);
}

export function parseSearchDomains(text: string): string[] {
  let out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line[0] === '#' || line[0] === ';') continue;
    const words = line.split(/\s+/);
    if (words[0] === 'search' || words[0] === 'domain') {
      out = words.slice(1).map((w) => w.toLowerCase().replace(/\.$/, '')).filter((w) => w !== '');
      if (words[0] === 'domain') out = out.slice(0, 1);
    }
  }
  return out;
}

/**
 * The list walked after `<zone>`: domains inside the cluster zone are left out (the walk has
 * already tried `svc.<zone>` and `<zone>`, and a server whose own resolv.conf is a pod's would
 * otherwise walk them twice), as are repeats and the root.
 */
export function walkableDomains(domains: string[], zone: string): string[] {
  const out: string[] = [];
  for (const d of domains) {
    const n = d.toLowerCase().replace(/\.$/, '');
    if (n === '' || n === zone || n.endsWith('.' + zone) || out.includes(n)) continue;
    out.push(n);
  }
  return out;
}
