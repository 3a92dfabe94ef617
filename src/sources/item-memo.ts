// The records of the last snapshot load by the bytes of the List item each came from (issue
// 13). A reload with one Service changed used to parse and convert all 20,000 items of a
// 150,000-endpoint snapshot again, only to find 19,999 records equal to the ones held and drop
// them: 1.7 s, and ~15 MB of garbage that raised the peak RSS of every reload. An item whose
// bytes are the same as last time stands for the same record: it is looked up by a digest of
// its bytes and never parsed.
//
// Held between loads: 16 bytes of digest, one kind byte and one reference per item (about
// 0.5 MB at 20,000 items), not the text. The lookup table exists only while a load runs.
import { hash } from 'node:crypto';
import type { KindRecords, ObjectKind } from '../cluster/types';

/** What an item converted to: a record of a kind, or null for nothing DNS reads (another kind). */
export type ItemRecord = { kind: ObjectKind; record: KindRecords[ObjectKind] } | null;

/**
 * SHA-256 cut to 120 bits (20 base64 characters): a collision between the items of a snapshot
 * is not a practical concern at that length, and SHA-256 is as fast as SHA-1 here (47 MB of
 * items in ~40 ms). crypto.hash() as a base64 string, not a Hash object and a Buffer per item:
 * those hold malloc memory until a collection, and 20,000 of them per load left RSS behind in
 * the C heap.
 */
const DIGEST_BYTES = 15;
const DIGEST_CHARS = 20;

const digestOf = (bytes: Uint8Array): string => hash('sha256', bytes, 'base64').slice(0, DIGEST_CHARS);

const KINDS: (ObjectKind | null)[] = [null, 'Service', 'EndpointSet', 'Pod', 'Namespace'];

/** What one load left: item digests end to end, and what each item became. */
interface Items {
  count: number;
  digests: Buffer;
  kinds: Uint8Array;
  records: (KindRecords[ObjectKind] | null)[];
}

/** The memo one load reads from (the last good load) and writes to (for the next). */
export class ItemMemoLoad {
  private table: Map<string, number> | null = null;
  private readonly out: Items = { count: 0, digests: Buffer.alloc(0), kinds: new Uint8Array(0), records: [] };
  /** Digest of the item being converted: note() files what it became under it. */
  private current: string | null = null;

  constructor(private readonly last: Items | null) {}

  /**
   * What the same bytes became in the last load, or undefined (never seen: parse them). A hit
   * is filed for the next load at once; a miss waits for note().
   */
  lookup(bytes: Uint8Array): ItemRecord | undefined {
    const d = digestOf(bytes);
    const last = this.last;
    const i = last === null ? undefined : this.index(last).get(d);
    if (last === null || i === undefined) {
      this.current = d;
      return undefined;
    }
    const kind = KINDS[last.kinds[i]];
    const item = kind === null ? null : { kind, record: last.records[i]! };
    this.file(d, item);
    return item;
  }

  /** What the item last passed to lookup() converted to. Not called when it failed to. */
  note(item: ItemRecord): void {
    if (this.current !== null) this.file(this.current, item);
    this.current = null;
  }

  /** How many items are filed so far (for rollback). */
  mark(): number {
    return this.out.count;
  }

  /** Forgets the items filed after a mark (they turned out not to be a List's items). */
  rollback(mark: number): void {
    this.out.count = Math.min(mark, this.out.count);
    this.out.records.length = this.out.count;
    this.current = null;
  }

  /** The items of this load, for the next one. */
  result(): Items {
    const o = this.out;
    // Copies at the exact size: the doubled buffers may be up to twice that.
    return { count: o.count, digests: Buffer.from(o.digests.subarray(0, o.count * DIGEST_BYTES)), kinds: o.kinds.slice(0, o.count), records: o.records };
  }

  private file(d: string, item: ItemRecord): void {
    const o = this.out;
    if (o.count === o.kinds.length) {
      // Doubling: a few copies per load, not one per item.
      const n = Math.max(1024, 2 * o.count);
      const digests = Buffer.alloc(n * DIGEST_BYTES);
      o.digests.copy(digests);
      const kinds = new Uint8Array(n);
      kinds.set(o.kinds);
      o.digests = digests;
      o.kinds = kinds;
    }
    o.digests.write(d, o.count * DIGEST_BYTES, DIGEST_BYTES, 'base64');
    o.kinds[o.count] = item === null ? 0 : KINDS.indexOf(item.kind);
    o.records.push(item === null ? null : item.record);
    o.count++;
  }

  /** Digest -> item number of the last load, built on the first lookup. */
  private index(last: Items): Map<string, number> {
    if (this.table !== null) return this.table;
    this.table = new Map();
    for (let i = 0; i < last.count; i++) this.table.set(last.digests.toString('base64', i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES), i);
    return this.table;
  }
}

/** The memo a snapshot source keeps across its loads. */
export class ItemMemo {
  private last: Items | null = null;

  /** A memo for one load: it reads the last good load's items. */
  begin(): ItemMemoLoad {
    return new ItemMemoLoad(this.last);
  }

  /** The load was applied: its items are what the next load compares with. */
  commit(load: ItemMemoLoad): void {
    this.last = load.result();
  }
}
