// Which set of upstreams a name goes to: the stub domain with the longest matching suffix
// (kube-dns `stubDomains`, SPEC §4), else the default upstreams. Decided once per query by a
// function picked at construction: without stub domains it is a constant (STYLE rule 4).

import type { ServerSet } from './upstream';

export interface StubRoute {
  /** Lower-case, no trailing dot; '' is the root and matches every name. */
  domain: string;
  set: ServerSet;
}

export type Router = (qnameLower: string) => ServerSet;

export function buildRouter(defaults: ServerSet, stubs: StubRoute[]): Router {
  if (stubs.length === 0) return () => defaults;
  // Longest first, so the first match is the longest suffix.
  const routes = [...stubs].sort((a, b) => b.domain.length - a.domain.length);
  return (name) => {
    for (let i = 0; i < routes.length; i++) {
      const d = routes[i].domain;
      if (d === '' || name === d) return routes[i].set;
      // A suffix on a label boundary only: "corp.example" must not catch "mycorp.example".
      if (name.length > d.length && name.endsWith(d) && name.charCodeAt(name.length - d.length - 1) === 46) {
        return routes[i].set;
      }
    }
    return defaults;
  };
}
