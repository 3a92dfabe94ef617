// Zone membership on label boundaries, the one rule blocks, fallthrough, `except` and cache
// zones share: `name` is in `zone` when it is the zone or ends in `.zone`; '' (the root)
// holds every name.

export function inZone(name: string, zone: string): boolean {
  if (zone === '' || name === zone) return true;
  return name.length > zone.length && name.endsWith(zone) && name.charCodeAt(name.length - zone.length - 1) === 46;
}

export function inZones(name: string, zones: readonly string[]): boolean {
  for (let i = 0; i < zones.length; i++) if (inZone(name, zones[i])) return true;
  return false;
}

/** The longest of `zones` holding `name`, or null. */
export function closestZone(name: string, zones: readonly string[]): string | null {
  let best: string | null = null;
  for (const z of zones) if (inZone(name, z) && (best === null || z.length > best.length)) best = z;
  return best;
}
