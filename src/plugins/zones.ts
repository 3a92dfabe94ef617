// Zone and fallthrough tests shared by the answering plugins. Names and zones are lower-case
// without the trailing dot; '' is the root, which holds every name. Computed per query, so
// these are plain string compares with no allocation.
import type { Fallthrough } from './types';

/** Whether `name` is `zone` or below it. */
export function isIn(name: string, zone: string): boolean {
  if (zone === '') return true;
  if (name.length === zone.length) return name === zone;
  return name.length > zone.length && name.endsWith(zone) && name.charCodeAt(name.length - zone.length - 1) === 46; // '.'
}

/** The most specific of `zones` holding `name` (CoreDNS plugin.Zones.Matches), or null. */
export function zoneOf(zones: readonly string[], name: string): string | null {
  let best: string | null = null;
  for (const z of zones) if (isIn(name, z) && (best === null || z.length > best.length)) best = z;
  return best;
}

/** `fallthrough [ZONES]`: whether a miss for `name` goes on down the chain. */
export function fallsThrough(f: Fallthrough, name: string): boolean {
  if (f === null) return false;
  if (f.length === 0) return true;
  return zoneOf(f, name) !== null;
}

/** The name with its trailing dot, as CoreDNS plugins see it (regexes and templates read this). */
export function fqdn(name: string): string {
  return name === '' ? '.' : name + '.';
}
