// rewrite [continue|stop] FIELD ... (plugin/rewrite README), one rule per directive line, and
// several lines make the rule list in file order. FIELD is `name [exact|prefix|suffix|substring|
// regex] FROM TO [answer auto | answer name FROM TO | answer value FROM TO]...`, `type FROM TO`,
// `class FROM TO`, or `ttl [match] NAME TTL|MIN-MAX`. The block form `rewrite [stop] { name regex
// A B; answer name C D }` is the same rule on two lines. Names are lower-case without the final
// dot (exact/suffix; prefix and substring match text); regexes are checked here (regex.ts) and
// stay Go source for the plugin.
import type { RewriteRule } from '../../plugins/types';
import type { Line } from '../args';
import { origin, type BlockContext } from '../context';
import type { Token } from '../lexer';
import { checkGoRegex } from '../regex';
import { classNumber, typeNumber } from '../rrtypes';

const MATCH = ['exact', 'prefix', 'suffix', 'substring', 'regex'] as const;
const FIELDS = ['name', 'type', 'class', 'ttl'];

export function rewrite(line: Line, ctx: BlockContext): void {
  let args = line.args;
  let mode: RewriteRule['mode'] = 'stop';
  if (args.length > 0 && (args[0].text === 'continue' || args[0].text === 'stop')) {
    mode = args[0].text as RewriteRule['mode'];
    args = args.slice(1);
  }
  if (line.d.block !== null) {
    if (args.length > 0) throw line.fail('expected either a rule on the line or a { } block, not both', args[0]);
    // Block form: the sub-lines are one rule (`name ...` then `answer ...`).
    const subs = line.block();
    const tokens: Token[] = subs.flatMap((s) => [s.d.name, ...s.args]);
    if (subs.length === 0) throw line.fail('expected a rule inside the block');
    push(ctx, rule(line, mode, tokens));
    return;
  }
  if (args.length === 0) throw line.fail(`expected [continue|stop] FIELD FROM TO, FIELD one of ${FIELDS.join(', ')}`);
  push(ctx, rule(line, mode, args));
}

function push(ctx: BlockContext, r: RewriteRule): void {
  if (ctx.plan.rewrite === null) ctx.plan.rewrite = { rules: [] };
  ctx.plan.rewrite.rules.push(r);
}

function rule(line: Line, mode: RewriteRule['mode'], t: Token[]): RewriteRule {
  const [fieldTok, ...rest] = t;
  const field = fieldTok.text.toLowerCase();
  const base = { origin: origin(line), mode, answer: null };
  switch (field) {
    case 'name':
    case 'ttl': {
      let match: RewriteRule['match'] = 'exact';
      let r = rest;
      if (r.length > 0 && (MATCH as readonly string[]).includes(r[0].text.toLowerCase())) {
        match = r[0].text.toLowerCase() as RewriteRule['match'];
        r = r.slice(1);
      }
      if (r.length < 2) throw line.fail(`expected ${field} [${MATCH.join('|')}] FROM ${field === 'ttl' ? 'TTL' : 'TO'}`, r[0] ?? fieldTok);
      const [from, to, ...more] = r;
      const fromText = pattern(line, match, from);
      if (field === 'ttl') {
        if (!/^\d+(-\d+)?$/.test(to.text) || to.text.split('-').some((n) => Number(n) > 2 ** 31 - 1)) {
          throw line.fail(`expected a TTL in seconds or a range MIN-MAX, got "${to.text}"`, to);
        }
        if (more.length > 0) throw line.fail(`unexpected "${more[0].text}" after the TTL`, more[0]);
        return { ...base, field: 'ttl', match, from: fromText, to: to.text };
      }
      const toText = match === 'regex' ? to.text : nameText(match, to.text);
      return { ...base, field: 'name', match, from: fromText, to: toText, answer: answers(line, more) };
    }
    case 'type':
    case 'class': {
      if (rest.length !== 2) throw line.fail(`expected ${field} FROM TO`, rest[2] ?? fieldTok);
      const num = field === 'type' ? typeNumber : classNumber;
      for (const x of rest) if (num(x.text) === undefined) throw line.fail(`expected a DNS ${field} such as ${field === 'type' ? 'A, AAAA, ANY' : 'IN, CH'}, got "${x.text}"`, x);
      return { ...base, field, match: 'exact', from: rest[0].text.toUpperCase(), to: rest[1].text.toUpperCase() };
    }
    case 'edns0':
    case 'cname':
    case 'rcode':
      throw line.fail(`rewrite ${field} is not supported; expected one of ${FIELDS.join(', ')}`, fieldTok, 'CDNS_COREFILE_UNSUPPORTED');
    default:
      throw line.fail(`expected a field, one of ${FIELDS.join(', ')}, got "${fieldTok.text}"`, fieldTok);
  }
}

/** `answer auto` | (`answer name|value FROM TO`)... after a name rule. */
function answers(line: Line, t: Token[]): RewriteRule['answer'] {
  if (t.length === 0) return null;
  const out: { kind: 'name' | 'value'; from: string; to: string }[] = [];
  let i = 0;
  while (i < t.length) {
    if (t[i].text !== 'answer') throw line.fail(`expected "answer auto" or "answer name|value FROM TO", got "${t[i].text}"`, t[i]);
    const kind = t[i + 1]?.text.toLowerCase();
    if (kind === 'auto' && t.length === 2) return { kind: 'auto' };
    if ((kind !== 'name' && kind !== 'value') || t[i + 3] === undefined) {
      throw line.fail('expected "answer auto" or "answer name|value FROM TO"', t[i + 1] ?? t[i]);
    }
    checkRegex(line, t[i + 2]);
    out.push({ kind, from: t[i + 2].text, to: t[i + 3].text });
    i += 4;
  }
  return out;
}

function pattern(line: Line, match: RewriteRule['match'], t: Token): string {
  if (match === 'regex') {
    checkRegex(line, t);
    return t.text;
  }
  return nameText(match, t.text);
}

function nameText(match: RewriteRule['match'], s: string): string {
  const lower = s.toLowerCase();
  return match === 'exact' || match === 'suffix' ? (lower === '.' ? '' : lower.replace(/\.$/, '')) : lower;
}

function checkRegex(line: Line, t: Token): void {
  try {
    checkGoRegex(t.text);
  } catch (e) {
    throw line.fail(`invalid regular expression ${JSON.stringify(t.text)}: ${(e as Error).message}`, t, 'CDNS_COREFILE_REGEX');
  }
}

