// Environment substitution (corefile(5)): `{$NAME}` and the Windows-like `{%NAME%}` are
// replaced inside any token, quoted or not, by the variable's value; an unset variable becomes
// the empty string, as in CoreDNS (Caddy v1 `replaceEnvVars`). The substitution happens per
// token after lexing, so a value with spaces stays one argument. Like CoreDNS, `{{$x}}` in a
// template reads as `{` + `{$x}` + `}`: write `{{ $x }}` (plugin/template README, Bugs).

export type Env = Record<string, string | undefined>;

const VAR = /\{\$([^{}$%\s]+)\}|\{%([^{}$%\s]+)%\}/g;

export function expandEnv(text: string, env: Env): string {
  if (!text.includes('{')) return text;
  return text.replace(VAR, (_, unix: string | undefined, win: string | undefined) => env[unix ?? win ?? ''] ?? '');
}
