// The order in which a query tries the upstreams of its set (SPEC §4, CoreDNS forward
// `policy`). Every policy lists only the upstreams that are up; when none is, one upstream
// picked at random is tried anyway, as CoreDNS does: if every upstream looks down, the health
// check itself is the likelier fault (an upstream that ignores `. IN NS`, a firewall), and
// failing every query on its word would turn it into SERVFAIL for everything (SPEC §6).
// Each upstream appears at most once, so a query makes at most one UDP attempt per upstream.

import type { UpstreamPolicy } from '../config/options';
import type { Flight } from './flight';
import type { ServerSet } from './upstream';

export type OrderFn = (set: ServerSet, f: Flight) => void;

export function orderFor(policy: UpstreamPolicy): OrderFn {
  switch (policy) {
    case 'random':
      return randomOrder;
    case 'round_robin':
      return roundRobinOrder;
    case 'sequential':
      return sequentialOrder;
  }
}

/** Healthy upstreams in configured order: resolv.conf semantics, first healthy first. */
function sequentialOrder(set: ServerSet, f: Flight): void {
  const s = set.servers;
  let n = 0;
  for (let i = 0; i < s.length; i++) if (!s[i].down) f.order[n++] = s[i];
  done(set, f, n);
}

/** Each query starts one further along the list; the rest follow in list order. */
function roundRobinOrder(set: ServerSet, f: Flight): void {
  const s = set.servers;
  const start = s.length === 0 ? 0 : set.rr++ % s.length;
  if (set.rr >= 0x3fffffff) set.rr = 0;
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const u = s[(start + k) % s.length];
    if (!u.down) f.order[n++] = u;
  }
  done(set, f, n);
}

/** A fresh shuffle per query (Fisher-Yates), as CoreDNS's `random`. */
function randomOrder(set: ServerSet, f: Flight): void {
  const s = set.servers;
  let n = 0;
  for (let i = 0; i < s.length; i++) if (!s[i].down) f.order[n++] = s[i];
  for (let i = n - 1; i > 0; i--) {
    const j = (Math.random() * (i + 1)) | 0;
    const t = f.order[i];
    f.order[i] = f.order[j];
    f.order[j] = t;
  }
  done(set, f, n);
}

function done(set: ServerSet, f: Flight, n: number): void {
  f.idx = 0;
  f.fallback = false;
  if (n === 0 && set.servers.length > 0) {
    f.order[0] = set.servers[(Math.random() * set.servers.length) | 0];
    n = 1;
    f.fallback = true;
  }
  f.count = n;
}
