// The command line of a CoreDNS Deployment, read as clusterdns's (issue 9 point 1): CoreDNS uses
// Go's flag package, whose long flags take one dash (`-conf /etc/coredns/Corefile`) or two, and
// `-flag=value`. Commander takes neither single-dash long flags nor a missing sub-command, so
// cli.ts passes argv through here first:
//   -conf FILE          -> serve --corefile FILE      (check FILE with -validate)
//   -validate           -> check (needs -conf)
//   -plugins            -> plugins
//   -version            -> --version
//   -dns.port N         -> --dns-port N               (the port of keys that name none)
//   -quiet, -pidfile F  -> --quiet, --pidfile F
// With no sub-command and CoreDNS flags present, `serve` is implied, so an existing Deployment's
// args work unchanged. Anything else is left for commander to accept or refuse.

const VALUE_FLAGS: Record<string, string> = { conf: '--corefile', 'dns.port': '--dns-port', pidfile: '--pidfile' };
const BOOL_FLAGS: Record<string, string> = { quiet: '--quiet', validate: '', plugins: '', version: '--version' };
const COMMANDS = ['serve', 'check', 'plugins', 'help'];

/** argv without the node binary and script (process.argv.slice(2)). */
export function coreDnsArgv(args: string[]): string[] {
  let command: string | null = args.length > 0 && COMMANDS.includes(args[0]) ? args[0] : null;
  const rest: string[] = [];
  let corefile: string | null = null;
  let validate = false;
  let plugins = false;
  let coreDnsStyle = false;
  for (let i = command === null ? 0 : 1; i < args.length; i++) {
    const a = args[i];
    const m = /^--?([a-z][a-z.]*)(?:=(.*))?$/.exec(a);
    const name = m?.[1];
    if (name === undefined || (!(name in VALUE_FLAGS) && !(name in BOOL_FLAGS))) {
      rest.push(a);
      continue;
    }
    // `--version` and `--corefile` etc. are commander's own spelling already.
    if (a.startsWith('--') && name !== 'conf' && name !== 'validate' && name !== 'plugins' && name !== 'dns.port') {
      rest.push(a);
      continue;
    }
    coreDnsStyle = true;
    if (name in VALUE_FLAGS) {
      const value = m?.[2] ?? args[++i];
      if (value === undefined) {
        rest.push(VALUE_FLAGS[name]);
        continue;
      }
      if (name === 'conf') corefile = value;
      else rest.push(VALUE_FLAGS[name], value);
    } else if (name === 'validate') validate = true;
    else if (name === 'plugins') plugins = true;
    else rest.push(BOOL_FLAGS[name]);
  }
  if (plugins) return ['plugins'];
  if (validate) {
    const keep = rest.filter((a) => a === '--dns-port' || /^\d+$/.test(a));
    return corefile === null ? ['check', ...keep] : ['check', corefile, ...keep];
  }
  if (corefile !== null) rest.unshift('--corefile', corefile);
  if (command === null && coreDnsStyle && !rest.includes('--version')) command = 'serve';
  return command === null ? rest : [command, ...rest];
}
