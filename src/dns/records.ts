// The record shapes passed between links and the answer writer.
// They are dns-packet's own shapes (its `Answer` type), so static zones and tests can use
// dns-packet to build and read them; only the writer (dns/writer.ts) turns them into bytes,
// with name compression (SPEC §3), which dns-packet's encoder does not do.

/**
 * A resource record. Structurally a dns-packet `Answer` (so `dns-packet` can build and read
 * them in tests and static zones); names are FQDNs without the trailing dot.
 */
export interface Record {
  name: string;
  /** Type name as dns-packet spells it: 'A', 'AAAA', 'SRV', ... */
  type: string;
  ttl?: number;
  class?: string;
  data: unknown;
}

/** What a link computes for one (name, type): encoded once, then reused (dns/encoded.ts). */
export interface AnswerSet {
  rcode: number;
  /** Authoritative answer (AA bit): the cluster zone, reverse zones, static zones. */
  authoritative: boolean;
  answers: Record[];
  authority: Record[];
  additional: Record[];
}
