// Value checks shared by the config file, the flags and validation. Each takes what the user
// wrote (a YAML value, a flag string, or an already normalised value, so that every check can
// run twice) and returns the normalised value or throws a ConfigError naming the field.

import { isIP } from 'node:net';
import { normalizeIP } from '../cluster/ip';
import { ConfigError, expected, show } from './errors';
import type { HostPort } from './options';

export type Check<T> = (value: unknown, field: string) => T;

export function int(min: number, max: number): Check<number> {
  const what = `expected an integer ${min}-${max}`;
  return (v, field) => {
    // Flags arrive as strings; a quoted number in YAML is accepted the same way.
    const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw expected('CDNS_CONFIG_TYPE', field, what, v);
    if (n < min || n > max) throw expected('CDNS_CONFIG_RANGE', field, what, v);
    return n;
  };
}

export const bool: Check<boolean> = (v, field) => {
  if (typeof v !== 'boolean') throw expected('CDNS_CONFIG_TYPE', field, 'expected true or false', v);
  return v;
};

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  const what = `expected one of ${values.join(', ')}`;
  return (v, field) => {
    if (typeof v !== 'string') throw expected('CDNS_CONFIG_TYPE', field, what, v);
    if (!(values as readonly string[]).includes(v)) throw expected('CDNS_CONFIG_VALUE', field, what, v);
    return v as T;
  };
}

export const text: Check<string> = (v, field) => {
  if (typeof v !== 'string' || v.trim() === '') throw expected('CDNS_CONFIG_TYPE', field, 'expected a non-empty string', v);
  return v.trim();
};

export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, field) => (v === null ? null : check(v, field));
}

/**
 * A list: a YAML sequence, or one string of comma-separated items (the form flags take).
 * `split: false` keeps a string whole (file paths may contain commas).
 */
export function list<T>(item: Check<T>, opts: { min?: number; max?: number; split?: boolean } = {}): Check<T[]> {
  const min = opts.min ?? 0;
  return (v, field) => {
    let items: unknown[];
    if (Array.isArray(v)) items = v;
    else if (typeof v === 'string') items = opts.split === false ? [v] : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    else throw expected('CDNS_CONFIG_TYPE', field, 'expected a list', v);
    if (items.length < min) throw expected('CDNS_CONFIG_VALUE', field, `expected at least ${min} item${min > 1 ? 's' : ''}`, v);
    if (opts.max !== undefined && items.length > opts.max) {
      throw expected('CDNS_CONFIG_VALUE', field, `expected at most ${opts.max} items`, v);
    }
    return items.map((x, i) => item(x, `${field}[${i}]`));
  };
}

// RFC 1123 §2.1 host names: letters, digits and hyphens, no hyphen at either end of a label.
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A Kubernetes namespace name: an RFC 1123 label, lower case (namespaces cannot be otherwise). */
export const dnsLabel: Check<string> = (v, field) => {
  if (typeof v !== 'string') throw expected('CDNS_CONFIG_TYPE', field, 'expected a namespace name', v);
  if (!LABEL.test(v)) {
    throw expected('CDNS_CONFIG_VALUE', field, 'expected a namespace name (a-z, 0-9 and -, at most 63, no - at either end)', v);
  }
  return v;
};

/** A domain name, returned lower case without the trailing dot (options.ts: StubDomain.domain). */
export const domainName: Check<string> = (v, field) => {
  if (typeof v !== 'string') throw expected('CDNS_CONFIG_TYPE', field, 'expected a domain name', v);
  const d = v.trim().toLowerCase().replace(/\.$/, '');
  if (d === '' || d.length > 253 || !d.split('.').every((l) => LABEL.test(l))) {
    throw expected('CDNS_CONFIG_VALUE', field, 'expected a domain name (labels of a-z, 0-9 and -, separated by dots)', v);
  }
  return d;
};

/**
 * `host[:port]`: `1.2.3.4`, `1.2.3.4:53`, `[fd00::1]:53`, `[fd00::1]`, a bare IPv6 address
 * (`fd00::1`, which can then carry no port), `name:port`, and `:port` for every IPv4 address
 * (0.0.0.0, as in DEFAULTS). Port 0 parses; callers that need a real port check for it.
 */
export function parseHostPort(s: string, defaultPort: number, what: string): HostPort {
  const bad = () => expected('CDNS_CONFIG_VALUE', what, 'expected host:port (IPv4, [IPv6]:port, bare IPv6 or name:port)', s);
  const t = s.trim();
  let host: string;
  let portText: string | undefined;
  if (t.startsWith('[')) {
    const end = t.indexOf(']');
    if (end < 0) throw bad();
    host = t.slice(1, end);
    const rest = t.slice(end + 1);
    if (rest !== '') {
      if (rest[0] !== ':') throw bad();
      portText = rest.slice(1);
    }
    if (isIP(host) !== 6) throw bad();
  } else {
    const colon = t.indexOf(':');
    if (colon >= 0 && t.indexOf(':', colon + 1) >= 0) {
      host = t;
      if (isIP(host) !== 6) throw bad();
    } else {
      host = colon >= 0 ? t.slice(0, colon) : t;
      if (colon >= 0) portText = t.slice(colon + 1);
      if (host === '' && colon >= 0) host = '0.0.0.0';
      else if (isIP(host) === 0 && !HOSTNAME.test(host)) throw bad();
    }
  }
  if (portText === undefined) return { host, port: defaultPort };
  if (!/^\d{1,5}$/.test(portText)) throw bad();
  const port = Number(portText);
  if (port > 65535) throw expected('CDNS_CONFIG_RANGE', what, 'expected a port 0-65535', s);
  return { host, port };
}

/** An address to listen on: `host:port` text or a `{host, port}` map; port 0 = any (tests). */
export function bindAddress(defaultPort: number): Check<HostPort> {
  return (v, field) => {
    if (typeof v === 'string') return parseHostPort(v, defaultPort, field);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const { host, port } = v as Record<string, unknown>;
      if (typeof host === 'string' && typeof port === 'number') {
        const hp = parseHostPort(host.includes(':') ? `[${host}]` : host, defaultPort, field);
        return { host: hp.host, port: int(0, 65535)(port, `${field}.port`) };
      }
    }
    throw expected('CDNS_CONFIG_TYPE', field, 'expected a host:port string', v);
  };
}

/** `host:port` or `off` (also YAML false or null): the HTTP listeners of health, ready, metrics. */
export function bindOrOff(defaultPort: number): Check<HostPort | null> {
  const bind = bindAddress(defaultPort);
  return (v, field) => (v === null || v === false || v === 'off' ? null : bind(v, field));
}

/**
 * An upstream or stub-domain server: `ip[:port]`, port 53 by default. Only IP addresses:
 * resolving a server's name would need the very DNS this process provides (kube-dns too
 * accepted only IPs). Returned with the address in canonical text (RFC 5952).
 */
export const server: Check<HostPort> = (v, field) => {
  const hp = bindAddress(53)(v, field);
  const family = isIP(hp.host);
  const shown = typeof v === 'string' ? v : hp;
  if (family === 0) {
    throw expected('CDNS_CONFIG_VALUE', field, 'expected an IP address with optional :port (servers are not looked up by name)', shown);
  }
  // A zone index (fe80::1%eth0) is kept as written; normalizeIP does not take one.
  const host = hp.host.includes('%') ? hp.host : normalizeIP(hp.host);
  if (host === '0.0.0.0' || host === '::') {
    throw expected('CDNS_CONFIG_VALUE', field, 'expected an IP address that is not unspecified', shown);
  }
  if (hp.port === 0) throw expected('CDNS_CONFIG_RANGE', field, 'expected a port 1-65535', shown);
  return { host, port: hp.port };
};

/** The ConfigError thrown for a JSON string that does not parse (kube-dns ConfigMap values). */
export function parseJson(v: string, field: string, example: string): unknown {
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new ConfigError('CDNS_CONFIG_VALUE', `expected JSON like ${example}, got ${show(v.trim())} (${(e as Error).message})`, { field });
  }
}
