// The two keys of the kube-dns ConfigMap that clusters still carry (SPEC §4), accepted in the
// config file under their kube-dns names and in the kube-dns shape, so an existing ConfigMap's
// values can be pasted as they are:
//   stubDomains:          '{"acme.local": ["1.2.3.4", "1.2.3.5:5353"]}'   queries under a domain go there
//   upstreamNameservers:  '["172.16.0.1", "172.16.0.2"]'                  replace resolv.conf (at most 3)
// The values may also be plain YAML (a map, a list). kube-dns accepted only IP addresses, with an
// optional port, as servers; so does clusterdns (values.ts `server`).

import { ConfigError, expected } from './errors';
import type { HostPort, StubDomain } from './options';
import { domainName, list, parseJson, server, type Check } from './values';

const STUB_EXAMPLE = '{"acme.local": ["1.2.3.4"]}';
const NS_EXAMPLE = '["172.16.0.1", "172.16.0.2:5353"]';
/** kube-dns's limit, which is also glibc's MAXNS: a pod's resolv.conf holds 3 nameservers. */
export const MAX_UPSTREAM_NAMESERVERS = 3;

const servers = list(server, { min: 1 });

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * `stubDomains`: a JSON string (kube-dns), a map domain -> list of `ip[:port]`, or the list of
 * `{domain, servers}` that Options holds. Each domain may appear once.
 */
export const stubDomains: Check<StubDomain[]> = (v, field) => {
  const value = typeof v === 'string' ? parseJson(v, field, STUB_EXAMPLE) : v;
  const out: StubDomain[] = [];
  const seen = new Set<string>();
  const add = (domain: string, sd: StubDomain, f: string) => {
    if (seen.has(sd.domain)) throw expected('CDNS_CONFIG_VALUE', f, 'expected each stub domain once', domain);
    seen.add(sd.domain);
    out.push(sd);
  };
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const f = `${field}[${i}]`;
      if (!isMap(item)) throw expected('CDNS_CONFIG_TYPE', f, 'expected a map with domain and servers', item);
      for (const k of Object.keys(item)) {
        if (k !== 'domain' && k !== 'servers') throw new ConfigError('CDNS_CONFIG_KEY', 'unknown key; expected domain and servers', { field: `${f}.${k}` });
      }
      add(String(item.domain), { domain: domainName(item.domain, `${f}.domain`), servers: servers(item.servers, `${f}.servers`) }, `${f}.domain`);
    });
  } else if (isMap(value)) {
    for (const [domain, list] of Object.entries(value)) {
      const f = `${field}[${JSON.stringify(domain)}]`;
      add(domain, { domain: domainName(domain, f), servers: servers(list, f) }, f);
    }
  } else {
    throw expected('CDNS_CONFIG_TYPE', field, `expected a map of domain to a list of ip[:port], or JSON like ${STUB_EXAMPLE}`, v);
  }
  return out;
};

/**
 * `upstreamNameservers`: a JSON string (kube-dns), a list, or a comma-separated string of
 * `ip[:port]`, at most 3. An empty list keeps resolv.conf, as it did in kube-dns: null.
 */
export const upstreamNameservers: Check<HostPort[] | null> = (v, field) => {
  const value = typeof v === 'string' && v.trim().startsWith('[') ? parseJson(v, field, NS_EXAMPLE) : v;
  if (Array.isArray(value) && value.length > MAX_UPSTREAM_NAMESERVERS) {
    throw expected('CDNS_CONFIG_VALUE', field, `expected at most ${MAX_UPSTREAM_NAMESERVERS} nameservers (the kube-dns limit)`, value);
  }
  const out = list(server, { max: MAX_UPSTREAM_NAMESERVERS })(value, field);
  return out.length === 0 ? null : out;
};

/** One `--stub-domain domain=ip[:port][,ip[:port]...]` flag value. */
export const stubDomainFlag: Check<StubDomain> = (v, field) => {
  const eq = typeof v === 'string' ? v.indexOf('=') : -1;
  if (typeof v !== 'string' || eq < 0) throw expected('CDNS_CONFIG_VALUE', field, 'expected domain=ip[:port][,ip[:port]...]', v);
  return { domain: domainName(v.slice(0, eq), field), servers: servers(v.slice(eq + 1), field) };
};
