// The DNS records of the model, derived by the answer rules of ../../../shared/SPEC.md §1-2,
// and a resolver over them that gives the answer clusterdns must send. The Knot zones and
// the dnsmasq config are written from these records and the expected answers (check.tsv)
// come from the resolver, so "all servers serve the same answers" has one source.
//
// Records are kept in dig's presentation format (what `dig +noall +answer` prints), names
// lower-case and absolute, so a check can compare dig output with them as strings.

const TTL_TXT = 28800; // SPEC §1: dns-version TTL
const EXTERNAL_TTL = 3600; // long enough that the cache of a forwarder stays warm for a run

/** SPEC §2, Endpoint names: IPv4 dots and IPv6 colons become dashes; a trailing '-' gets '0'. */
export function dashedIP(ip) {
  const d = ip.replace(/[.:]/g, '-');
  return d.endsWith('-') ? `${d}0` : d;
}

/** Expand an IPv6 address to its 32 hex nibbles. */
export function v6nibbles(ip) {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join('');
}

export function reverseName(ip) {
  if (ip.includes(':')) return `${[...v6nibbles(ip)].reverse().join('.')}.ip6.arpa`;
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** The reverse zone Knot serves for an address: a /16 for IPv4, a /48 for IPv6. */
export function reverseZone(ip) {
  if (ip.includes(':')) return `${[...v6nibbles(ip).slice(0, 12)].reverse().join('.')}.ip6.arpa`;
  const [a, b] = ip.split('.');
  return `${b}.${a}.in-addr.arpa`;
}

class ZoneData {
  constructor(name, ttl, soa, ns) {
    this.name = name;
    this.ttl = ttl;
    this.soa = soa;
    this.ns = ns;
    /** owner -> Map<type, rdata[]> */
    this.names = new Map();
    /** empty non-terminals: names with no records but records below them */
    this.ents = new Set();
  }

  add(owner, type, rdata, ttl = this.ttl) {
    let node = this.names.get(owner);
    if (!node) {
      node = new Map();
      this.names.set(owner, node);
      for (let p = owner.indexOf('.'); p >= 0 && owner.length - p - 1 > this.name.length; p = owner.indexOf('.', p + 1)) {
        this.ents.add(owner.slice(p + 1));
      }
    }
    let rrs = node.get(type);
    if (!rrs) {
      rrs = { ttl, data: [] };
      node.set(type, rrs);
    }
    if (!rrs.data.includes(rdata)) rrs.data.push(rdata);
  }
}

/** SRV entries: priority 0, weight floor(100/n) (at least 1), deduplicated on (target, port). */
function srvSet(entries) {
  const seen = new Set();
  const uniq = entries.filter(([target, port]) => {
    const k = `${target} ${port}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  const w = Math.max(1, Math.floor(100 / uniq.length));
  return uniq.map(([target, port]) => `0 ${w} ${port} ${target}.`);
}

export function buildRecords(model) {
  const Z = model.zone;
  const ttl = model.ttl;
  const zones = new Map();
  const soaFor = (zone, t) => `ns.dns.${Z}. hostmaster.${Z}. 1 7200 1800 86400 ${t}`;
  const cluster = new ZoneData(Z, ttl, soaFor(Z, ttl), `ns.dns.${Z}.`);
  zones.set(Z, cluster);
  const reverse = (ip) => {
    const rz = reverseZone(ip);
    let zd = zones.get(rz);
    if (!zd) {
      zd = new ZoneData(rz, ttl, soaFor(rz, ttl), `ns.dns.${Z}.`);
      zd.reverse = true;
      zones.set(rz, zd);
    }
    return zd;
  };
  const addr = (owner, ip) => cluster.add(owner, ip.includes(':') ? 'AAAA' : 'A', ip);

  // SPEC §1: dns-version and ns.dns (the kube-dns Service's ClusterIP).
  cluster.add(`dns-version.${Z}`, 'TXT', '"1.1.0"', TTL_TXT);
  const kubeDns = model.services.find((s) => s.ns === 'kube-system' && s.name === 'kube-dns');
  for (const ip of kubeDns ? kubeDns.clusterIPs : []) addr(`ns.dns.${Z}`, ip);

  for (const svc of model.services) {
    const base = `${svc.name}.${svc.ns}.svc.${Z}`;
    if (svc.kind === 'ExternalName') {
      cluster.add(base, 'CNAME', `${svc.externalName.toLowerCase()}.`);
      continue;
    }
    // endpoint name -> addresses; and the SRV entries per port
    const eps = [];
    for (const slice of svc.slices) {
      for (const ep of slice.endpoints) {
        if (!ep.ready) continue;
        for (const ip of ep.addresses) eps.push({ ip, label: ep.hostname || dashedIP(ip), ports: slice.ports });
      }
    }
    if (svc.kind === 'ClusterIP') {
      for (const ip of svc.clusterIPs) {
        addr(base, ip);
        reverse(ip).add(reverseName(ip), 'PTR', `${base}.`);
      }
    } else {
      for (const ep of eps) addr(base, ep.ip);
    }
    // SPEC §2: <endpoint>.<svc> for headless and ClusterIP alike; PTR of an endpoint address
    // (not a ClusterIP) names the endpoint.
    for (const ep of eps) {
      addr(`${ep.label}.${base}`, ep.ip);
      reverse(ep.ip).add(reverseName(ep.ip), 'PTR', `${ep.label}.${base}.`);
    }
    // SRV: ClusterIP target is the service, headless targets are the endpoints.
    const named = new Map(); // "_name._proto" -> entries
    const bare = [];
    if (svc.kind === 'ClusterIP') {
      for (const p of svc.ports) {
        bare.push([base, p.port]);
        if (p.name) {
          const k = `_${p.name.toLowerCase()}._${p.protocol.toLowerCase()}`;
          if (!named.has(k)) named.set(k, []);
          named.get(k).push([base, p.port]);
        }
      }
    } else {
      for (const ep of eps) {
        for (const p of ep.ports) {
          const target = `${ep.label}.${base}`;
          bare.push([target, p.port]);
          if (p.name) {
            const k = `_${p.name.toLowerCase()}._${p.protocol.toLowerCase()}`;
            if (!named.has(k)) named.set(k, []);
            named.get(k).push([target, p.port]);
          }
        }
      }
    }
    for (const [k, entries] of named) for (const r of srvSet(entries)) cluster.add(`${k}.${base}`, 'SRV', r);
    for (const r of srvSet(bare)) cluster.add(base, 'SRV', r);
  }

  // SPEC §1: <ns>.svc is NODATA when the namespace exists, and pod.<zone> is an empty
  // non-terminal. A zone file has no way to say so for a namespace without services (or for
  // pod. without pod records), so those names are checked against clusterdns only.
  const specOnly = new Set();
  for (const n of [...model.namespaces.map((ns) => `${ns}.svc.${Z}`), `pod.${Z}`]) {
    if (!cluster.ents.has(n) && !cluster.names.has(n)) {
      cluster.ents.add(n);
      specOnly.add(n);
    }
  }

  // The external names, served by the upstream (and by the Knot peer itself).
  for (const d of model.externalZones) {
    zones.set(d, Object.assign(new ZoneData(d, EXTERNAL_TTL, `ns.${d}. hostmaster.${d}. 1 7200 1800 86400 ${EXTERNAL_TTL}`, `ns.${d}.`), { external: true }));
  }
  for (const d of model.externalZones) zones.get(d).add(`ns.${d}`, 'A', '192.0.2.254'); // glue for the apex NS
  for (const x of model.externals) {
    const zd = zones.get(zoneOf(zones, x.name));
    zd.add(x.name, 'A', x.a);
    if (x.aaaa) zd.add(x.name, 'AAAA', x.aaaa);
  }
  return {
    zones,
    clusterZones: [...zones.values()].filter((z) => !z.external).map((z) => z.name),
    externalZones: [...zones.values()].filter((z) => z.external).map((z) => z.name),
    specOnly,
    lookup: (name, type) => lookup(zones, name.toLowerCase().replace(/\.$/, ''), type, 0),
  };
}

function zoneOf(zones, name) {
  for (let n = name; ; ) {
    if (zones.has(n)) return n;
    const p = n.indexOf('.');
    if (p < 0) return null;
    n = n.slice(p + 1);
  }
}

/** The answer clusterdns must give: { rcode, answers: ["owner TYPE rdata", ...] sorted }. */
function lookup(zones, name, type, depth) {
  const zn = zoneOf(zones, name);
  if (!zn) return { rcode: 'REFUSED', answers: [] };
  const z = zones.get(zn);
  const node = z.names.get(name);
  if (node && node.has('CNAME') && type !== 'CNAME' && depth < 8) {
    // SPEC §2, ExternalName: CNAME first, then the target's records, whoever serves them.
    const target = node.get('CNAME').data[0].replace(/\.$/, '');
    const rest = lookup(zones, target, type, depth + 1);
    return { rcode: rest.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : 'NOERROR', answers: [`${name}. CNAME ${target}.`, ...rest.answers].sort() };
  }
  if (node && node.has(type)) {
    return { rcode: 'NOERROR', answers: node.get(type).data.map((r) => `${name}. ${type} ${r}`).sort() };
  }
  if (node || z.ents.has(name) || name === zn) return { rcode: 'NOERROR', answers: [] };
  return { rcode: 'NXDOMAIN', answers: [] };
}
