// The subset of Go's text/template that template-plugin Corefiles use, compiled once at
// configuration into literal strings and field readers, so rendering a record per query is a
// join. Supported: `{{ .Name }}` `.Zone` `.Class` `.Type` `.Remote`, `{{ .Group.NAME }}`,
// `{{ index .Match N }}`, `{{ index .Group "NAME" }}`, comments `{{/* */}}`, and whitespace
// trimming `{{-` / `-}}`. Anything else (pipelines, if/range, functions, .Message) is refused
// at configuration with the action quoted: a template that compiled always renders.

/** What a template is executed over (CoreDNS template's templateData). */
export interface TemplateData {
  /** The query name with its trailing dot. */
  name: string;
  /** The matched zone with its trailing dot. */
  zone: string;
  class: string;
  type: string;
  remote: string;
  /** The regex match: [whole, group 1, ...]. */
  match: readonly string[];
  /** Group number ("0", "1", ...) and group name -> text. */
  group: Readonly<Record<string, string>>;
}

type Part = string | ((d: TemplateData) => string);

export interface CompiledTemplate {
  render(d: TemplateData): string;
  /** Reads .Remote: the answer depends on the client (not memoizable). */
  readsRemote: boolean;
  /** Has no action that reads data: renders the same text for every query. */
  constant: boolean;
}

export class TemplateSyntaxError extends Error {}

const SUPPORTED = 'supported are {{ .Name }}, .Zone, .Class, .Type, .Remote, .Group.NAME, index .Match N, index .Group "NAME"';

const FIELDS: Record<string, (d: TemplateData) => string> = {
  Name: (d) => d.name,
  Zone: (d) => d.zone,
  Class: (d) => d.class,
  Type: (d) => d.type,
  Remote: (d) => d.remote,
};

export function compileGoTemplate(text: string): CompiledTemplate {
  const parts: Part[] = [];
  let readsRemote = false;
  let constant = true;
  let i = 0;
  let trimNext = false;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    let literal = open < 0 ? text.slice(i) : text.slice(i, open);
    if (trimNext) literal = literal.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (literal) parts.push(literal);
      break;
    }
    const close = text.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateSyntaxError(`unclosed action: ${JSON.stringify(text.slice(open, open + 20))}`);
    let body = text.slice(open + 2, close);
    // Go: `{{- ` trims the space before, ` -}}` the space after; the dash needs a blank beside it.
    if (/^-\s/.test(body)) {
      literal = literal.replace(/\s+$/, '');
      body = body.slice(1);
    }
    if (/\s-$/.test(body)) {
      trimNext = true;
      body = body.slice(0, -1);
    }
    if (literal) parts.push(literal);
    i = close + 2;
    const action = body.trim();
    if (/^\/\*[\s\S]*\*\/$/.test(action)) continue; // a comment
    const reader = compileAction(action);
    if (action === '.Remote') readsRemote = true;
    constant = false;
    parts.push(reader);
  }
  return {
    readsRemote,
    constant,
    render(d) {
      let s = '';
      for (const p of parts) s += typeof p === 'string' ? p : p(d);
      return s;
    },
  };
}

function compileAction(action: string): (d: TemplateData) => string {
  const field = /^\.([A-Za-z]+)$/.exec(action);
  if (field && FIELDS[field[1]] !== undefined) return FIELDS[field[1]];
  const group = /^\.Group\.([A-Za-z0-9_]+)$/.exec(action);
  if (group) {
    const key = group[1];
    return (d) => d.group[key] ?? '';
  }
  const index = /^index\s+\.(Match|Group)\s+(\d+|"[^"]*")$/.exec(action);
  if (index) {
    if (index[1] === 'Match') {
      if (index[2].startsWith('"')) throw new TemplateSyntaxError(`{{ ${action} }}: .Match is indexed by a number`);
      const n = Number(index[2]);
      return (d) => {
        if (n >= d.match.length) throw new TemplateSyntaxError(`{{ ${action} }}: the match has ${d.match.length} groups`);
        return d.match[n];
      };
    }
    const key = index[2].startsWith('"') ? index[2].slice(1, -1) : index[2];
    return (d) => d.group[key] ?? '';
  }
  throw new TemplateSyntaxError(`unsupported action {{ ${action} }}: ${SUPPORTED}`);
}
