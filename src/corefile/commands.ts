// What cli.ts runs for the Corefile: `check FILE` (also `-conf FILE -validate`), `plugins`
// (`-plugins`), and the options of `serve --corefile FILE`: DEFAULTS < what the Corefile implies
// < flags, so a flag given beside -conf still wins, as with --config.
import { mergeOptions, type OptionsLayer } from '../config/file';
import { ConfigError } from '../config/errors';
import { DEFAULTS, type Options } from '../config/options';
import { validateOptions } from '../config/validate';
import { loadCorefile, type LoadedCorefile } from './compile';
import { describeCorefile } from './describe';
import { DIRECTIVES, IGNORED, PLUGIN_ORDER, UNSUPPORTED } from './directives/index';

/** Exit status of `check`: 0 and the description on stdout, or 1 and the error line on stderr. */
export function runCheck(file: string, dnsPort: number | undefined, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  try {
    out.write(describeCorefile(loadCorefile(file, process.env, { dnsPort })));
    return 0;
  } catch (e) {
    err.write(`clusterdns: ${(e as Error).message}\n`);
    return 1;
  }
}

/** `-plugins`, in CoreDNS's layout: the server type, then the plugins. */
export function pluginList(): string {
  const supported = PLUGIN_ORDER.filter((p) => p in DIRECTIVES);
  const ignored = PLUGIN_ORDER.filter((p) => p in IGNORED);
  return [
    'Server types:',
    '  dns',
    '',
    'Plugins (in the order they run):',
    ...supported.map((p) => `  dns.${p}${p === 'proxy' ? '  (legacy: read as forward)' : ''}`),
    '',
    'Accepted and ignored (a warning says why):',
    ...ignored.map((p) => `  dns.${p}`),
    '',
    'Not supported (the Corefile is refused):',
    ...UNSUPPORTED.map((p) => `  dns.${p}`),
    '',
  ].join('\n');
}

export interface CorefileStart {
  opts: Options;
  loaded: LoadedCorefile;
}

/** Options and plan for `serve --corefile`; throws CorefileError or ConfigError. */
export function corefileOptions(file: string, flags: OptionsLayer, dnsPort?: number): CorefileStart {
  if (typeof flags.config === 'string') {
    throw new ConfigError('CDNS_CONFIG_CONFLICT', 'cannot be used with a Corefile (-conf/--corefile): the Corefile is the configuration', { field: '--config' });
  }
  const loaded = loadCorefile(file, process.env, { dnsPort });
  const opts = validateOptions(mergeOptions(DEFAULTS, loaded.options, flags));
  return { opts, loaded };
}
