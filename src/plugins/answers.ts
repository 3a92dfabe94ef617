// Small AnswerSet builders the plugins share. The sets are fresh objects each time: the chain
// encodes and memoises them, and rewrite's reverse() builds new ones instead of mutating.
import { RCODE } from '../dns/constants';
import type { AnswerSet, Record } from '../dns/records';
import type { Logger } from '../ops/log';

/** What a plugin logs through: the stage logger the composition root hands in. */
export type PluginLog = Pick<Logger, 'info' | 'warn'>;

export const SILENT: PluginLog = { info() {}, warn() {} };

export function positive(answers: Record[], additional: Record[] = [], authoritative = true): AnswerSet {
  return { rcode: RCODE.NOERROR, authoritative, answers, authority: [], additional };
}

/** NOERROR with nothing: the name exists, not with this type (no SOA where the plugin has none). */
export function nodata(authority: Record[] = []): AnswerSet {
  return { rcode: RCODE.NOERROR, authoritative: true, answers: [], authority, additional: [] };
}

export function servfail(): AnswerSet {
  return { rcode: RCODE.SERVFAIL, authoritative: false, answers: [], authority: [], additional: [] };
}
