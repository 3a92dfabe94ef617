// The contract between a server block's chain (resolve/) and the Corefile plugins that answer
// from local data (plugins/): hosts, template, k8s_external, whoami, any, and rewrite, which
// changes the question instead of answering it. Written once here (STYLE rule 5); each plugin
// file implements one of these shapes and never touches a socket.
//
// Configs are plain data: the Corefile front end (corefile/) produces them, the flags and the
// YAML config may too, and the composition root (app.ts) hands them to each plugin's factory,
// which validates what only it can (a regex, a Go template) and throws a ConfigError naming
// `origin` (file:line) and the fault. Nothing here is read per query (STYLE rule 9).
import type { AnswerSet } from '../dns/records';

/** What a link may know of one query. */
export interface QueryInfo {
  /** Lower-case, no trailing dot; '' is the root. */
  name: string;
  qtype: number;
  qclass: number;
  /** Client address ('' when unknown) and port (0 when unknown). */
  remoteAddress: string;
  remotePort: number;
  proto: 'udp' | 'tcp';
}

/**
 * A plugin that answers some names itself. `answer` returns the answer, or null to pass the
 * query on down the chain (a name it does not serve, or `fallthrough`).
 */
export interface AnswerLink {
  /** The directive, as the metrics `plugin` label and the logs name it. */
  readonly plugin: string;
  answer(q: QueryInfo): AnswerSet | null;
  /**
   * True when answer() depends only on (name, qtype, qclass) and version(): the chain may keep
   * the encoded answer until version() moves. False for whoami, or a template that reads .Remote.
   */
  readonly memoizable: boolean;
  /** Moves when the data behind the answers changes (a hosts file reloaded). */
  version(): number;
  close?(): void;
}

/** The question after a rewrite, and how to map the answer back (CoreDNS `rewrite`). */
export interface Rewritten {
  name: string;
  qtype: number;
  qclass: number;
  /** Answer rewrites, applied to the final answer (names back to what the client asked). */
  reverse(set: AnswerSet): AnswerSet;
}

export interface RewriteLink {
  readonly plugin: 'rewrite';
  /** null: no rule matched, the question goes on unchanged. */
  rewrite(q: QueryInfo): Rewritten | null;
}

/** `fallthrough [ZONES]`: null = off; [] = every zone; else only names under these zones. */
export type Fallthrough = string[] | null;

/** hosts [FILE [ZONES...]] { inline lines; ttl; reload; no_reverse; fallthrough } */
export interface HostsConfig {
  origin: string;
  /** Path of a hosts(5) file, resolved against the Corefile's folder; null = inline only. */
  file: string | null;
  /** Zones the plugin answers for (lower-case, no trailing dot; '' = root). */
  zones: string[];
  /** Inline hosts(5) lines, as written. */
  inline: string[];
  /** Record TTL, seconds (CoreDNS default 3600). */
  ttl: number;
  /** Re-read interval of the file, ms; 0 = off (CoreDNS default 5 s). */
  reloadMs: number;
  noReverse: boolean;
  fallthrough: Fallthrough;
}

/** One rule of `rewrite [continue|stop] FIELD ...`. */
export interface RewriteRule {
  origin: string;
  /** After a match: `stop` (default) ends the rules, `continue` goes on to the next. */
  mode: 'stop' | 'continue';
  field: 'name' | 'type' | 'class' | 'ttl';
  /** For name and ttl: how `from` matches (default exact). */
  match: 'exact' | 'prefix' | 'suffix' | 'substring' | 'regex';
  /** Lower-case for names; a type/class mnemonic for type/class; a TTL or range for ttl. */
  from: string;
  to: string;
  /** name rules: how the answer is mapped back; null = CoreDNS's default for the match kind. */
  answer: { kind: 'auto' } | { kind: 'name' | 'value'; from: string; to: string }[] | null;
}

export interface RewriteConfig {
  rules: RewriteRule[];
}

/** template CLASS TYPE [ZONES...] { match; answer; additional; authority; rcode; fallthrough } */
export interface TemplateConfig {
  origin: string;
  /** Class number, or null for ANY. */
  qclass: number | null;
  /** Type number, or null for ANY. */
  qtype: number | null;
  zones: string[];
  /** Regex sources (Go RE2 syntax, named groups); none = match everything in the zones. */
  match: string[];
  /** Go templates of RR text, over .Name .Zone .Class .Type .Match .Group .Remote. */
  answer: string[];
  additional: string[];
  authority: string[];
  /** rcode number (default NOERROR). */
  rcode: number;
  fallthrough: Fallthrough;
}

/** k8s_external ZONES { apex; ttl; headless; fallthrough } */
export interface K8sExternalConfig {
  origin: string;
  zones: string[];
  /** Apex label for SOA/NS (default `dns`). */
  apex: string;
  ttl: number;
  headless: boolean;
  fallthrough: Fallthrough;
}
