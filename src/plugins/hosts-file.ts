// hosts(5) text -> the lookup tables of the hosts plugin. Lenient as CoreDNS's parser and
// glibc's: a line whose first field is not an address is skipped, `#` starts a comment, names
// are case-folded and kept only when they fall in the plugin's zones. Built once per read of
// the file (never per query).
import { ipFamily, normalizeIP, reverseName } from '../cluster/ip';
import { zoneOf } from './zones';

export interface HostsTable {
  /** Lower-case name -> its IPv4 / IPv6 addresses, in file order, without duplicates. */
  v4: Map<string, string[]>;
  v6: Map<string, string[]>;
  /** Reverse name (`4.3.2.1.in-addr.arpa`) -> the names of that address, in file order. */
  ptr: Map<string, string[]>;
}

export function emptyTable(): HostsTable {
  return { v4: new Map(), v6: new Map(), ptr: new Map() };
}

/** Adds the lines of `text` to `t` (later lines add names and addresses, as in CoreDNS). */
export function addHostsText(t: HostsTable, text: string, zones: readonly string[]): HostsTable {
  for (const raw of text.split('\n')) {
    const hash = raw.indexOf('#');
    const fields = (hash >= 0 ? raw.slice(0, hash) : raw).trim().split(/\s+/);
    if (fields.length < 2) continue;
    // `fe80::1%eth0`: the zone index means nothing in DNS (CoreDNS drops it too).
    const addr = fields[0].replace(/%.*$/, '');
    const family = ipFamily(addr);
    if (family === 0) continue;
    const ip = normalizeIP(addr);
    const byName = family === 4 ? t.v4 : t.v6;
    const rev = reverseName(ip);
    for (let i = 1; i < fields.length; i++) {
      const name = fields[i].toLowerCase().replace(/\.$/, '');
      if (name === '' || zoneOf(zones, name) === null) continue;
      push(byName, name, ip);
      push(t.ptr, rev, name);
    }
  }
  return t;
}

function push(m: Map<string, string[]>, key: string, value: string): void {
  const list = m.get(key);
  if (list === undefined) m.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

/** The union of two tables (inline lines first, then the file), as new maps. */
export function mergeTables(a: HostsTable, b: HostsTable): HostsTable {
  const out = emptyTable();
  for (const t of [a, b]) {
    for (const [k, vs] of t.v4) for (const v of vs) push(out.v4, k, v);
    for (const [k, vs] of t.v6) for (const v of vs) push(out.v6, k, v);
    for (const [k, vs] of t.ptr) for (const v of vs) push(out.ptr, k, v);
  }
  return out;
}
