// CoreDNS `rewrite`: changes the question before the rest of the chain sees it, and the answer
// on its way back.
//   rewrite [continue|stop] name [exact|prefix|suffix|substring|regex] FROM TO
//           [answer auto | answer name FROM TO | answer value FROM TO ...]
//   rewrite [continue|stop] type FROM TO | class FROM TO | ttl [MATCH] NAME TTL|MIN-MAX
// Rules run in the order written; a rule that matches ends the list unless it says `continue`.
// Answer rewrites run in reverse order of the request rules that produced them. Names are
// matched as CoreDNS sees them, with the trailing dot (`exact` and `suffix` FROM/TO gain one if
// written without; `prefix` and `substring` are taken as written). Defaults as CoreDNS:
// an `exact` name rule maps the answer name back by itself (`answer auto`); other kinds leave
// the answer alone unless `answer ...` is given. Regexes (Go RE2, `{1}` group references)
// compile here, once; nothing is parsed per query.
import type { AnswerSet, Record } from '../dns/records';
import { pluginError } from './errors';
import { compileRe2, expandGroups } from './re2';
import type { QueryInfo, RewriteConfig, RewriteLink, RewriteRule, Rewritten } from './types';
import { fqdn } from './zones';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsTypes = require('dns-packet/types') as { toType(name: string): number };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsClasses = require('dns-packet/classes') as { toClass(name: string): number };

/** The question as the rules change it. */
interface State {
  name: string;
  qtype: number;
  qclass: number;
}

type Revert = (set: AnswerSet) => AnswerSet;

interface CompiledRule {
  mode: 'stop' | 'continue';
  /** Changes `s` and queues its answer rewrites when it matches; returns whether it did. */
  apply(s: State, reverts: Revert[]): boolean;
}

const NAME = /^([a-z0-9_*]([a-z0-9_-]*[a-z0-9_])?\.)*([a-z0-9_*]([a-z0-9_-]*[a-z0-9_])?)?\.?$/;
const MAX_TTL = 2147483647;

/** A name matcher of one match kind over FQDNs: the rewritten FQDN, or null when it does not match. */
function matcher(rule: RewriteRule, to: string): (fq: string) => string | null {
  const from = rule.match === 'exact' || rule.match === 'suffix' ? dotted(rule.from) : rule.from;
  switch (rule.match) {
    case 'exact':
      return (fq) => (fq === from ? to : null);
    case 'prefix':
      return (fq) => (fq.startsWith(from) ? to + fq.slice(from.length) : null);
    case 'suffix':
      return (fq) => (fq.endsWith(from) ? fq.slice(0, fq.length - from.length) + to : null);
    case 'substring':
      return (fq) => (fq.includes(from) ? fq.split(from).join(to) : null);
    case 'regex': {
      const re = compileRe2(rule.from, rule.origin, 'rewrite');
      return (fq) => {
        const m = re.exec(fq);
        return m === null ? null : expandGroups(to, m);
      };
    }
  }
}

function dotted(s: string): string {
  const l = s.toLowerCase();
  return l.endsWith('.') ? l : l + '.';
}

/** A rewritten FQDN as the chain wants it (lower-case, no trailing dot), or null if not a name. */
function asName(fq: string): string | null {
  const n = fq.toLowerCase();
  if (n.length > 254 || !NAME.test(n) || n.includes('..')) return null;
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

function compileName(rule: RewriteRule): CompiledRule {
  const to = rule.match === 'exact' || rule.match === 'suffix' ? dotted(rule.to) : rule.to.toLowerCase();
  // exact and suffix write a whole name (or its end); prefix and substring a piece of one.
  const whole = rule.match === 'exact' || rule.match === 'suffix';
  if (rule.match !== 'regex' && (whole ? asName(to) === null : !/^[a-z0-9_.*-]*$/.test(to))) {
    throw pluginError('CDNS_PLUGIN_VALUE', rule.origin, 'rewrite', `name ${rule.match} ${rule.from} ${JSON.stringify(rule.to)}: expected a domain name to rewrite to`);
  }
  const match = matcher(rule, to);
  const answer = rule.answer ?? (rule.match === 'exact' ? { kind: 'auto' as const } : null);
  const explicit = Array.isArray(answer)
    ? answer.map((a) => ({ kind: a.kind, re: compileRe2(a.from, rule.origin, 'rewrite'), to: a.to }))
    : null;
  return {
    mode: rule.mode,
    apply(s, reverts) {
      const out = match(fqdn(s.name));
      const name = out === null ? null : asName(out);
      if (name === null) return false;
      const asked = s.name;
      s.name = name;
      if (answer !== null && !Array.isArray(answer)) reverts.push((set) => mapNames(set, (n) => (n === name ? asked : n), null));
      else if (explicit !== null) {
        reverts.push((set) => {
          let out = set;
          for (const e of explicit) {
            const f = (n: string): string => {
              const m = e.re.exec(fqdn(n));
              return m === null ? n : (asName(expandGroups(e.to, m)) ?? n);
            };
            out = e.kind === 'name' ? mapNames(out, f, null) : mapNames(out, null, f);
          }
          return out;
        });
      }
      return true;
    },
  };
}

function compileCode(rule: RewriteRule, parse: (s: string) => number, what: string): CompiledRule {
  const code = (s: string): number => {
    const n = /^\d+$/.test(s) ? Number(s) : parse(s.toUpperCase());
    if (!(n > 0 && n < 65536)) throw pluginError('CDNS_PLUGIN_VALUE', rule.origin, 'rewrite', `${rule.field} ${rule.from} ${rule.to}: expected a ${what}, got ${JSON.stringify(s)}`);
    return n;
  };
  const from = code(rule.from);
  const to = code(rule.to);
  const key = rule.field === 'type' ? 'qtype' : 'qclass';
  return {
    mode: rule.mode,
    apply(s) {
      if (s[key] !== from) return false;
      s[key] = to;
      return true;
    },
  };
}

/** `ttl ... 30`, `30-60`, `-60`, `30-`: the answer TTLs set to, or clamped into, the range. */
function compileTtl(rule: RewriteRule): CompiledRule {
  const m = /^(\d*)(-?)(\d*)$/.exec(rule.to);
  const bad = () => pluginError('CDNS_PLUGIN_VALUE', rule.origin, 'rewrite', `ttl ${rule.from} ${rule.to}: expected seconds (0-${MAX_TTL}) or a range MIN-MAX, -MAX, MIN-`);
  if (m === null || (m[1] === '' && m[3] === '')) throw bad();
  const min = m[1] === '' ? 0 : Number(m[1]);
  const max = m[2] === '' ? min : m[3] === '' ? MAX_TTL : Number(m[3]);
  if (min > MAX_TTL || max > MAX_TTL || min > max) throw bad();
  const match = matcher(rule, '');
  const clamp: Revert = (set) => ({
    ...set,
    answers: set.answers.map((r) => {
      const ttl = Math.min(Math.max(r.ttl ?? 0, min), max);
      return ttl === r.ttl ? r : { ...r, ttl };
    }),
  });
  return {
    mode: rule.mode,
    apply(s, reverts) {
      if (match(fqdn(s.name)) === null) return false;
      reverts.push(clamp);
      return true;
    },
  };
}

/** A copy of `set` with answer owner names and/or name-valued data mapped. */
function mapNames(set: AnswerSet, owner: ((n: string) => string) | null, value: ((n: string) => string) | null): AnswerSet {
  const answers = set.answers.map((r): Record => {
    let out = r;
    if (owner !== null) {
      const n = owner(r.name);
      if (n !== r.name) out = { ...out, name: n };
    }
    if (value !== null) {
      const d = mapData(r, value);
      if (d !== r.data) out = { ...out, data: d };
    }
    return out;
  });
  return { ...set, answers };
}

function mapData(r: Record, f: (n: string) => string): unknown {
  const d = r.data as never;
  switch (r.type) {
    case 'CNAME':
    case 'PTR':
    case 'NS':
    case 'DNAME': {
      const n = f(d);
      return n === d ? d : n;
    }
    case 'SRV': {
      const s = d as { target: string };
      const n = f(s.target);
      return n === s.target ? d : { ...s, target: n };
    }
    case 'MX': {
      const s = d as { exchange: string };
      const n = f(s.exchange);
      return n === s.exchange ? d : { ...s, exchange: n };
    }
    default:
      return d;
  }
}

export class RewriteLinkImpl implements RewriteLink {
  readonly plugin = 'rewrite' as const;
  private readonly rules: CompiledRule[];

  constructor(config: RewriteConfig) {
    this.rules = config.rules.map((r) => {
      switch (r.field) {
        case 'name':
          return compileName(r);
        case 'type':
          return compileCode(r, (s) => dnsTypes.toType(s), 'record type (A, AAAA, MX, ANY, ...)');
        case 'class':
          return compileCode(r, (s) => dnsClasses.toClass(s), 'class (IN, CH, HS, ANY)');
        case 'ttl':
          return compileTtl(r);
      }
    });
  }

  rewrite(q: QueryInfo): Rewritten | null {
    const s: State = { name: q.name, qtype: q.qtype, qclass: q.qclass };
    const reverts: Revert[] = [];
    let matched = false;
    for (const rule of this.rules) {
      if (!rule.apply(s, reverts)) continue;
      matched = true;
      if (rule.mode === 'stop') break;
    }
    if (!matched) return null;
    return {
      name: s.name,
      qtype: s.qtype,
      qclass: s.qclass,
      reverse(set) {
        let out = set;
        for (let i = reverts.length - 1; i >= 0; i--) out = reverts[i](out);
        return out;
      },
    };
  }
}

/** The block's `rewrite` rules as one link. Throws CDNS_PLUGIN_REGEX / CDNS_PLUGIN_VALUE naming the rule's origin. */
export function createRewrite(config: RewriteConfig): RewriteLink {
  return new RewriteLinkImpl(config);
}
