// The Corefile plugins that answer from their own data (plugins/: any, template, hosts,
// whoami; plugins/types.ts AnswerLink) as one step of a block's chain, in CoreDNS's order
// (plugin.cfg). Built once per block; a block without them has no step at all (STYLE rule 4).
import type { AnswerSet } from '../dns/records';
import type { ParsedQuery } from '../dns/query';
import type { AnswerLink, QueryInfo } from '../plugins/types';

/** The client of a query as the transports have it: a dgram rinfo or a net.Socket (read lazily). */
export interface Peer {
  /** rinfo.address; on a net.Socket a method, hence unknown. */
  address?: unknown;
  port?: number;
  remoteAddress?: string;
  remotePort?: number;
}

export class AnswerLinks {
  constructor(private readonly links: AnswerLink[]) {}

  /** Sum of the links' versions: moves whenever the data of one of them changed. */
  version(): number {
    let v = 0;
    for (const l of this.links) v += l.version();
    return v;
  }

  /** The first link's answer, and whether it may be memoised; null when every link passes. */
  answer(q: ParsedQuery, peer: Peer | undefined, tcp: boolean): { set: AnswerSet; memoizable: boolean } | null {
    const info = queryInfo(q, peer, tcp);
    for (const l of this.links) {
      const set = l.answer(info);
      if (set !== null) return { set, memoizable: l.memoizable };
    }
    return null;
  }

  close(): void {
    for (const l of this.links) l.close?.();
  }
}

export function queryInfo(q: ParsedQuery, peer: Peer | undefined, tcp: boolean): QueryInfo {
  return {
    name: q.name,
    qtype: q.qtype,
    qclass: q.qclass,
    remoteAddress: typeof peer?.address === 'string' ? peer.address : peer?.remoteAddress ?? '',
    remotePort: peer?.port ?? peer?.remotePort ?? 0,
    proto: tcp ? 'tcp' : 'udp',
  };
}
