// Memo of locally computed answers (cluster zone, reverse zones, static zones): wire bytes
// per (name, type) (STYLE rule 7), each stored with the tags of the facts of the cluster view
// it was computed from (cluster/deps.ts, issue 11).
//
// Invalidation:
// - invalidate(touched): a change of the cluster view names the tags it touched (old and new
//   state, ClusterStore.onTouched); every entry holding one of them is dropped, every other
//   entry stays. 'all' (the first sync) drops everything. An entry stored under ANY_CHANGE
//   (a cluster answer from a link that records no dependencies) goes with any change.
// - the SOA serial (SERIAL_TAG) moves with the clock on a change anywhere (at most once a
//   second): entries carrying it keep their place and get the new serial written over the old
//   (EncodedAnswer.serialAt); rebuilding every NXDOMAIN/NODATA answer each second under churn
//   was a third of the answers built. Copies elsewhere hear of them as dropped (observers).
// - the epoch: a number that moves when answers must go whole (a static zone reload, a config
//   reload; ResolverParts.localEpoch). get()/set() with a new epoch drop everything first.
// - a flood of distinct names: at maxEntries everything goes (memory stays bounded).
// The hit path is one Map lookup: tags live in two side maps touched only by set() and drops.
//
// Observer (for copies of entries elsewhere, e.g. per-thread L1 memos): onDrop(fn) registers
// fn(dropped), called synchronously, after the entries left this memo, with the keys that were
// dropped, or with 'all' when the whole memo was cleared (first sync, epoch change, overflow,
// clear()). Keys are the memo keys (dns/query.ts cacheKey()). An epoch change is noticed at the
// next get()/set(), so a copy must also be keyed to the epoch, or the owner calls clear().
import type { EncodedAnswer } from '../dns/encoded';
import { SERIAL_TAG, type Touched } from '../cluster/deps';

export type DropObserver = (dropped: string[] | 'all') => void;

/** The tag of an answer whose dependencies are unknown: dropped by every change of the view. */
export const ANY_CHANGE = '*';
const NO_TAGS: readonly string[] = [];

export class LocalAnswers {
  private map = new Map<string, EncodedAnswer>();
  /** key -> the tags it was stored with (keys without tags are absent). */
  private tagsOf = new Map<string, readonly string[]>();
  /** tag -> the keys stored with it. */
  private byTag = new Map<string, Set<string>>();
  private epoch = -1;
  private observers: DropObserver[] = [];

  constructor(private readonly maxEntries: number) {}

  get(key: string, epoch: number): EncodedAnswer | undefined {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      if (this.map.size) this.clear();
      return undefined;
    }
    return this.map.get(key);
  }

  /** @param tags what the answer read (ClusterZone.answer() deps); none for static zones. */
  set(key: string, epoch: number, a: EncodedAnswer, tags: readonly string[] = NO_TAGS): void {
    if (epoch !== this.epoch) return; // computed against settings that have moved on
    // A flood of distinct names (random subdomains) must not grow memory without bound.
    if (this.map.size >= this.maxEntries) this.clear();
    if (this.tagsOf.has(key)) this.unlink(key);
    this.map.set(key, a);
    if (tags.length === 0) return;
    this.tagsOf.set(key, tags);
    for (const t of tags) {
      let keys = this.byTag.get(t);
      if (keys === undefined) this.byTag.set(t, (keys = new Set()));
      keys.add(key);
    }
  }

  /**
   * Drop every entry that read a touched fact (the store's onTouched feed); entries that read
   * only the serial among them get `serial` written in.
   */
  invalidate(touched: Touched, serial: number): void {
    if (touched === 'all') return this.clear();
    const dropped: string[] = [];
    for (const t of touched) if (t !== SERIAL_TAG) this.dropTag(t, dropped);
    this.dropTag(ANY_CHANGE, dropped);
    if (touched.has(SERIAL_TAG)) this.reserial(serial >>> 0, dropped);
    if (dropped.length) for (const fn of this.observers) fn(dropped);
  }

  clear(): void {
    this.map = new Map();
    this.tagsOf = new Map();
    this.byTag = new Map();
    for (const fn of this.observers) fn('all');
  }

  /** Register an observer of drops (see the file header); returns the unsubscribe function. */
  onDrop(fn: DropObserver): () => void {
    this.observers = [...this.observers, fn];
    return () => {
      this.observers = this.observers.filter((f) => f !== fn);
    };
  }

  /** Whether an answer is memoised for the key (tests, diagnostics; not the query path). */
  has(key: string): boolean {
    return this.map.has(key);
  }

  get size(): number {
    return this.map.size;
  }

  /** Number of distinct tags indexed (tests: no tag outlives its entries). */
  get tagCount(): number {
    return this.byTag.size;
  }

  private dropTag(tag: string, dropped: string[]): void {
    const keys = this.byTag.get(tag);
    if (keys === undefined) return;
    for (const key of [...keys]) {
      this.map.delete(key);
      this.unlink(key);
      dropped.push(key);
    }
  }

  /** Writes the serial into every entry carrying the SOA (one that cannot take it is dropped). */
  private reserial(serial: number, changed: string[]): void {
    const keys = this.byTag.get(SERIAL_TAG);
    if (keys === undefined) return;
    for (const key of [...keys]) {
      const a = this.map.get(key)!;
      changed.push(key);
      if (a.serialAt !== undefined && a.serialAt >= 0) {
        a.body.writeUInt32BE(serial, a.serialAt);
        continue;
      }
      this.map.delete(key);
      this.unlink(key);
    }
  }

  /** Remove a key from the tag index. */
  private unlink(key: string): void {
    const tags = this.tagsOf.get(key);
    if (tags === undefined) return;
    this.tagsOf.delete(key);
    for (const t of tags) {
      const keys = this.byTag.get(t);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.byTag.delete(t);
    }
  }
}
