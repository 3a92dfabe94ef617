// Which server block answers a query on one listen address (DESIGN §2, "server blocks";
// SPEC §8): the block with the most specific zone holding the question name, on label
// boundaries. No such block: null, and the handler answers REFUSED as CoreDNS does.
//
// Decided once per address when the blocks are built (STYLE rule 4): the common case, one
// block for the root zone, is a constant function that never reads the name, so the memo-hit
// path stays a header parse, one Map lookup and one send.
import type { ParsedQuery } from '../dns/query';
import { inZone } from '../dns/zones';

export type Route<T> = (q: ParsedQuery) => T | null;

export interface ZoneEntry<T> {
  /** Lower-case, no trailing dot; '' is the root. */
  zone: string;
  block: T;
}

export interface Router<T> {
  /** For the handler: reads `q.name` only when there is a choice to make. */
  route: Route<T>;
  /** The same choice for a name the server asks itself (a chased CNAME target). */
  byName(name: string): T | null;
}

export function buildRouter<T>(entries: ZoneEntry<T>[]): Router<T> {
  // Longest zone first: the first match is the most specific. On a tie (two blocks naming the
  // same zone on one address) the first written wins: the sort is stable.
  const sorted = [...entries].sort((a, b) => b.zone.length - a.zone.length);
  const byName = (name: string): T | null => {
    for (let i = 0; i < sorted.length; i++) if (inZone(name, sorted[i].zone)) return sorted[i].block;
    return null;
  };
  if (sorted.length > 0 && sorted[0].zone === '') {
    const only = sorted[0].block;
    return { route: () => only, byName: () => only };
  }
  if (sorted.length === 0) return { route: () => null, byName };
  return { route: (q) => byName(q.name), byName };
}
