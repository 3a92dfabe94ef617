// CoreDNS `whoami`: every query is answered with where it came from, in the additional section
// (the answer section stays empty): an A or AAAA record of the client address under the query
// name, and an SRV record `_udp.<name>` / `_tcp.<name>` carrying the client port with target
// the root. TTL 0, authoritative. Depends on the client, so never memoised.
import type { AnswerSet, Record } from '../dns/records';
import { ipFamily } from '../cluster/ip';
import type { AnswerLink, QueryInfo } from './types';

export function createWhoami(): AnswerLink {
  return {
    plugin: 'whoami',
    memoizable: false,
    version: () => 1,
    answer(q: QueryInfo): AnswerSet {
      const additional: Record[] = [];
      // A v4 client on a dual-stack socket arrives as ::ffff:a.b.c.d; it is an IPv4 client.
      const addr = q.remoteAddress.startsWith('::ffff:') && ipFamily(q.remoteAddress.slice(7)) === 4 ? q.remoteAddress.slice(7) : q.remoteAddress;
      const family = ipFamily(addr);
      if (family !== 0) additional.push({ name: q.name, type: family === 4 ? 'A' : 'AAAA', ttl: 0, data: addr });
      const srvName = q.name === '' ? `_${q.proto}` : `_${q.proto}.${q.name}`;
      additional.push({ name: srvName, type: 'SRV', ttl: 0, data: { priority: 0, weight: 0, port: q.remotePort, target: '.' } });
      return { rcode: 0, authoritative: true, answers: [], authority: [], additional };
    },
  };
}
