// template CLASS TYPE [ZONES...] { match REGEX...; answer RR; additional RR; authority RR; rcode
// CODE; fallthrough [ZONES] } (plugin/template README). Several template lines per block are
// allowed and keep their order (the first whose zone and regex match answers). ZONES default to
// the block's zones. Regexes are Go RE2 (checked here, regex.ts); each RR is a Go template over
// .Name .Zone .Class .Type .Match .Group .Remote, compiled here with the plugin's own compiler
// (plugins/gotemplate.ts) so that `check` refuses what the plugin would. AKS writes `template ANY ANY cluster.local { match
// "^(?:[^.]+\.){4,}cluster\.local\.$"; rcode NXDOMAIN; fallthrough }` style blocks.
import type { TemplateConfig } from '../../plugins/types';
import type { Line } from '../args';
import { origin, warn, type BlockContext } from '../context';
import type { Token } from '../lexer';
import { checkGoRegex } from '../regex';
import { compileGoTemplate } from '../../plugins/gotemplate';
import { classNumber, rcodeNumber, typeNumber } from '../rrtypes';
import { fallthrough } from './fallthrough';

const OPTIONS = ['match', 'answer', 'additional', 'authority', 'rcode', 'fallthrough', 'ederror'];

export function template(line: Line, ctx: BlockContext): void {
  const [clsTok, typeTok, ...zoneToks] = line.count(2, Infinity, 'template CLASS TYPE [ZONES...]');
  const qclass = classNumber(clsTok.text);
  if (qclass === undefined) throw line.fail(`expected a class (IN, CH, ANY), got "${clsTok.text}"`, clsTok);
  const qtype = typeNumber(typeTok.text);
  if (qtype === undefined) throw line.fail(`expected a type (A, AAAA, PTR, ANY, ...), got "${typeTok.text}"`, typeTok);
  const plan: TemplateConfig = {
    origin: origin(line),
    qclass: qclass === 255 ? null : qclass,
    qtype: qtype === 255 ? null : qtype,
    zones: zoneToks.length > 0 ? line.zones(zoneToks) : ctx.zones,
    match: [],
    answer: [],
    additional: [],
    authority: [],
    rcode: 0,
    fallthrough: null,
  };
  for (const o of line.block()) {
    switch (o.name) {
      case 'match':
        for (const t of o.count(1, Infinity, 'match REGEX...')) {
          try {
            checkGoRegex(t.text);
          } catch (e) {
            throw o.fail(`invalid regular expression ${JSON.stringify(t.text)}: ${(e as Error).message}`, t, 'CDNS_COREFILE_REGEX');
          }
          plan.match.push(t.text);
        }
        break;
      case 'answer':
      case 'additional':
      case 'authority':
        for (const t of o.count(1, Infinity, `${o.name} RR`)) {
          checkTemplate(o, t);
          plan[o.name].push(t.text);
        }
        break;
      case 'rcode': {
        const [t] = o.count(1, 1, 'rcode CODE');
        const rcode = rcodeNumber(t.text);
        if (rcode === undefined) throw o.fail(`expected a response code (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...), got "${t.text}"`, t);
        plan.rcode = rcode;
        break;
      }
      case 'fallthrough':
        plan.fallthrough = fallthrough(o);
        break;
      case 'ederror':
        warn(ctx, o, 'ignored: extended DNS errors (RFC 8914) are not sent');
        break;
      default:
        throw o.unknown(OPTIONS);
    }
  }
  ctx.plan.templates.push(plan);
}

/** A template the plugin can compile (plugins/gotemplate.ts) whose text reads as an RR. */
function checkTemplate(o: Line, t: Token): void {
  const bad = (why: string) => o.fail(`invalid template ${JSON.stringify(t.text)}: ${why}`, t, 'CDNS_COREFILE_TEMPLATE');
  try {
    compileGoTemplate(t.text);
  } catch (e) {
    throw bad((e as Error).message);
  }
  // The text outside the actions must still read as an RR: owner, optional TTL and class, type.
  const plain = t.text.replace(/\{\{.*?\}\}/g, 'x').trim().split(/\s+/);
  if (plain.length < 3) throw bad('expected a resource record such as "{{ .Name }} 60 IN A 10.0.0.1"');
}
