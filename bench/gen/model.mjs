// The synthetic cluster every benchmark server serves: one model, from which the clusterdns
// snapshot, the Knot zones, the dnsmasq config, the query files and the expected answers are
// all written, so that every server answers the same names with the same records.
//
// Address plan (kept identical to ../shared/bench/gen_zone.py for the shared part, so that
// figures stay comparable with the peer table there):
//   ClusterIP i      10.96.(1 + i/250).(1 + i%250); dual-stack ones also fd00:10:96::<i+1>
//   endpoint e       10.(244 + b/256).(b%256).(1 + e%250) with b = e/250;
//                    IPv6 slices fd00:10:244::<e+1>
//   kubernetes       10.96.0.1, kube-dns 10.96.0.10 (kubeadm defaults)
//   external names   192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32 (RFC 5737 / RFC 3849
//                    documentation ranges) under example.com/.net/.org (RFC 2606)

/** Deterministic PRNG (mulberry32): the same seed gives byte-identical outputs. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DEFAULT_SHAPE = {
  zone: 'cluster.local',
  ttl: 30,
  namespaces: 10,
  services: 1000, // ClusterIP services in ns-*
  headless: 100,
  endpoints: 10, // per headless service
  serviceEndpoints: 0, // per ClusterIP service (the memory test sets this)
  externals: 50, // ExternalName services
  externalNames: 30, // real names outside the cluster (search-path storm, external mix)
  dualStackEvery: 10, // every Nth ClusterIP and every Nth headless service is dual-stack
  seed: 20240601,
};

const EXT_LABELS = ['www', 'api', 'cdn', 'static', 'login', 'registry', 'storage', 'auth', 'metrics', 'mail'];
const EXT_DOMAINS = ['example.com', 'example.net', 'example.org'];

export function clusterIPv4(i) {
  return `10.96.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

export function clusterIPv6(i) {
  return `fd00:10:96::${(i + 1).toString(16)}`;
}

export function podIPv4(e) {
  const b = Math.floor(e / 250);
  return `10.${244 + Math.floor(b / 256)}.${b % 256}.${1 + (e % 250)}`;
}

export function podIPv6(e) {
  const n = e + 1;
  const hi = Math.floor(n / 65536);
  const lo = (n % 65536).toString(16);
  return hi > 0 ? `fd00:10:244::${hi.toString(16)}:${lo}` : `fd00:10:244::${lo}`;
}

function ports(list) {
  return list.map(([name, protocol, port]) => ({ name, protocol, port }));
}

/**
 * Build the cluster. Services carry their EndpointSlices; every endpoint is ready (the data set
 * measures speed, the e2e tests cover readiness).
 */
export function buildModel(shape) {
  const s = { ...DEFAULT_SHAPE, ...shape };
  const nsNames = [];
  for (let m = 0; m < s.namespaces; m++) nsNames.push(`ns-${m}`);
  const services = [];
  let e = 0; // global endpoint counter -> pod IPs
  const endpoint = (svc, j, hostname, family) => {
    const addr = family === 'IPv6' ? podIPv6(e) : podIPv4(e);
    e++;
    return { addresses: [addr], hostname, podName: `${svc}-${j}`, ready: true, node: `node-${j % 50}` };
  };

  // The two services every real cluster has (SPEC §5: kube-dns at the kubeadm ClusterIP).
  services.push({
    ns: 'default', name: 'kubernetes', kind: 'ClusterIP', clusterIPs: ['10.96.0.1'],
    ports: ports([['https', 'TCP', 443]]), externalName: '', slices: [],
  });
  services.push({
    ns: 'kube-system', name: 'kube-dns', kind: 'ClusterIP', clusterIPs: ['10.96.0.10'],
    ports: ports([['dns', 'UDP', 53], ['dns-tcp', 'TCP', 53], ['metrics', 'TCP', 9153]]),
    externalName: '', slices: [],
  });

  const perNs = (total) => Math.floor(total / s.namespaces);
  let i = 0;
  for (const ns of nsNames) {
    for (let n = 0; n < perNs(s.services); n++, i++) {
      const name = `svc-${n}`;
      let p = [['http', 'TCP', 80]];
      if (i % 3 === 0) p.push(['grpc', 'TCP', 9090]);
      if (i % 25 === 24) p = [['', 'TCP', 8080]]; // a single unnamed port: no _port._proto name
      const dual = s.dualStackEvery > 0 && i % s.dualStackEvery === s.dualStackEvery - 1;
      const svc = {
        ns, name, kind: 'ClusterIP',
        clusterIPs: dual ? [clusterIPv4(i), clusterIPv6(i)] : [clusterIPv4(i)],
        ports: ports(p), externalName: '', slices: [],
      };
      if (s.serviceEndpoints > 0) {
        const eps = [];
        for (let j = 0; j < s.serviceEndpoints; j++) eps.push(endpoint(name, j, '', 'IPv4'));
        svc.slices.push({ addressType: 'IPv4', ports: svc.ports, endpoints: eps });
      }
      services.push(svc);
    }
  }
  let h = 0;
  for (const ns of nsNames) {
    for (let k = 0; k < perNs(s.headless); k++, h++) {
      const name = `hl-${k}`;
      const p = h % 2 === 0 ? [['http', 'TCP', 80], ['peer', 'TCP', 7000]] : [['http', 'TCP', 80]];
      // Even services are StatefulSet-like (endpoint hostnames pod-J); odd ones are not, so
      // their endpoints are named after the dashed IP (SPEC §2, Endpoint names).
      const withHostnames = h % 2 === 0;
      const svc = { ns, name, kind: 'Headless', clusterIPs: [], ports: ports(p), externalName: '', slices: [] };
      const v4 = [];
      for (let j = 0; j < s.endpoints; j++) v4.push(endpoint(name, j, withHostnames ? `pod-${j}` : '', 'IPv4'));
      svc.slices.push({ addressType: 'IPv4', ports: svc.ports, endpoints: v4 });
      // Dual-stack headless: a second slice per family (SPEC §2, Readiness: merge the slices).
      if (s.dualStackEvery > 0 && withHostnames && h % s.dualStackEvery === 0) {
        const v6 = [];
        for (let j = 0; j < s.endpoints; j++) v6.push(endpoint(name, j, `pod-${j}`, 'IPv6'));
        svc.slices.push({ addressType: 'IPv6', ports: svc.ports, endpoints: v6 });
      }
      services.push(svc);
    }
  }
  let x = 0;
  for (const ns of nsNames) {
    for (let k = 0; k < perNs(s.externals); k++, x++) {
      services.push({
        ns, name: `ext-${k}`, kind: 'ExternalName', clusterIPs: [], ports: [],
        externalName: `ext-${k}.${ns}.example.com`, slices: [],
      });
    }
  }

  const externals = [];
  for (let k = 0; k < s.externalNames; k++) {
    const label = EXT_LABELS[k % EXT_LABELS.length];
    const domain = EXT_DOMAINS[Math.floor(k / EXT_LABELS.length) % EXT_DOMAINS.length];
    const round = Math.floor(k / (EXT_LABELS.length * EXT_DOMAINS.length));
    externals.push({
      name: `${label}${round ? round : ''}.${domain}`,
      a: k < 254 ? `192.0.2.${k + 1}` : `198.51.100.${1 + (k % 254)}`,
      // Half of them dual-stack: the others answer AAAA with NODATA, as many real names do.
      aaaa: k % 2 === 0 ? `2001:db8::${(k + 1).toString(16)}` : null,
    });
  }
  // ExternalName targets live in the external zones too, so a chased CNAME resolves.
  for (const svc of services) {
    if (svc.kind === 'ExternalName') {
      externals.push({ name: svc.externalName, a: `203.0.113.${1 + (externals.length % 254)}`, aaaa: null, target: true });
    }
  }

  return {
    shape: s,
    zone: s.zone,
    ttl: s.ttl,
    // 'empty-ns' exists but holds nothing: clusterdns answers NODATA for it (SPEC §1); a zone
    // file cannot express an empty namespace, so that row is checked against clusterdns only.
    namespaces: ['default', 'kube-system', ...nsNames, 'empty-ns'],
    workNamespaces: nsNames,
    services,
    externals,
    externalZones: EXT_DOMAINS,
    endpointCount: e,
  };
}
