// Which names a Corefile `forward FROM TO... { except ZONES }` takes: FROM and below, minus
// the `except` zones and below (CoreDNS forward `match`, plugin.Name.Matches). Decided once per
// forwarder; with FROM the root and no `except` there is no test at all on the query path.

/** `name` is `zone` or below it ('' is the root: everything). */
export function isUnder(name: string, zone: string): boolean {
  return zone === '' || name === zone || (name.endsWith(zone) && name.charCodeAt(name.length - zone.length - 1) === 46);
}

/** The `from`/`except` test, or null when every name is forwarded (the common case costs nothing). */
export function matcherFor(from: string, except: string[]): ((qnameLower: string) => boolean) | null {
  const zone = from.toLowerCase().replace(/\.$/, '');
  const skip = except.map((z) => z.toLowerCase().replace(/\.$/, ''));
  if (zone === '' && skip.length === 0) return null;
  return (name) => isUnder(name, zone) && !skip.some((z) => isUnder(name, z));
}
