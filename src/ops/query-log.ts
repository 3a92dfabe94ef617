// --log-queries (issue 5): one JSON line per answered query, like CoreDNS's `log` plugin.
// The choice is made when the handler's events are built (STYLE rule 9): with the option off
// the handler calls a shared no-op and no line, object or string is made per query.
import { rcodeName, typeName } from '../dns/constants';
import type { Logger } from './log';
import type { QueryNamed } from '../server/handler';

export type QueryLogFn = (proto: number, q: QueryNamed, rcode: number) => void;

const noQueryLog: QueryLogFn = () => {};

/** The handler's `query` event: a no-op when `enabled` is false. */
export function queryLog(enabled: boolean, log: Logger): QueryLogFn {
  if (!enabled) return noQueryLog;
  return (proto, q, rcode) =>
    log.info('query', { proto: proto === 1 ? 'tcp' : 'udp', name: q.name === '' ? '.' : `${q.name}.`, type: typeName(q.qtype), rcode: rcodeName(rcode) });
}
