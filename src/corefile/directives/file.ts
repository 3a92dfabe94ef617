// file DBFILE [ZONES...] { reload DURATION } (plugin/file README): an RFC 1035 master file
// served authoritatively for ZONES (default the block's zones); several per block allowed.
import type { Line } from '../args';
import { filePath, origin, warn, type BlockContext } from '../context';

export function file(line: Line, ctx: BlockContext): void {
  const [db, ...zones] = line.count(1, Infinity, 'file DBFILE [ZONES...]');
  for (const o of line.block()) {
    if (o.name !== 'reload') throw o.unknown(['reload']);
    o.duration(o.count(1, 1, 'reload DURATION')[0], 'a reload interval');
    warn(ctx, o, 'the zone file is watched for changes instead of polled');
  }
  ctx.plan.zoneFiles.push({ origin: origin(line), path: filePath(line, db.text), zones: zones.length > 0 ? line.zones(zones) : ctx.zones });
}
