// CoreDNS `any` (RFC 8482 §4.2): a query of type ANY gets one synthesized HINFO record instead
// of everything the name has, so ANY cannot be used for amplification or to dump a name.
// Other types pass on. CoreDNS's exact shape: HINFO "RFC8482" "", TTL 8482, not authoritative.
import { TYPE } from '../dns/constants';
import type { AnswerSet } from '../dns/records';
import type { AnswerLink, QueryInfo } from './types';

const HINFO_TTL = 8482;

export function createAny(): AnswerLink {
  return {
    plugin: 'any',
    memoizable: true,
    version: () => 1,
    answer(q: QueryInfo): AnswerSet | null {
      if (q.qtype !== TYPE.ANY) return null;
      return {
        rcode: 0,
        authoritative: false,
        answers: [{ name: q.name, type: 'HINFO', ttl: HINFO_TTL, data: { cpu: 'RFC8482', os: '' } }],
        authority: [],
        additional: [],
      };
    },
  };
}
