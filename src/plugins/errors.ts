// The one way a plugin factory refuses its configuration: a ConfigError placed at the
// directive's `origin` (`Corefile:12`), naming the directive and what was wrong, so the
// operator reads one line:
//   CDNS_PLUGIN_REGEX: /etc/coredns/Corefile:12: template: match "(": expected a regular expression: missing )
import { ConfigError, type ConfigErrorCode } from '../config/errors';

export type PluginErrorCode = Extract<ConfigErrorCode, `CDNS_PLUGIN_${string}`>;

/** `origin` is `file:line` (the line after the last colon) or a bare label such as `flags`. */
export function pluginError(code: PluginErrorCode, origin: string, directive: string, detail: string): ConfigError {
  const m = /^(.*):(\d+)$/.exec(origin);
  const place = m ? { file: m[1], line: Number(m[2]), field: directive } : { file: origin, field: directive };
  return new ConfigError(code, detail, place);
}
