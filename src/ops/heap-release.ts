// Give the garbage of a bulk load back (issue 13). Loading 150,000 endpoints from a snapshot,
// a reload or an API re-list leaves tens of MB of dead objects (parsed JSON, the records a
// reload replaced) in a heap V8 grew for them; V8's own memory reducer often leaves the heap
// at that size for a long while, so RSS after a load sat 30-40 MB above what the view needs.
// One full collection shortly after the load ends, not before: at most once per quiet second,
// never per watch event. It pauses the event loop for tens of milliseconds, once per load.
//
// `gc` is not exposed without --expose-gc on the command line; the flag can be set at run time
// and the function taken from a new context (V8 installs it in contexts created after the flag).
import v8 from 'node:v8';
import vm from 'node:vm';

/** Wait this long after the last bulk apply: a re-list applies kind after kind. */
const QUIET_MS = 1000;

let collect: (() => void) | null | undefined;

function fullGc(): (() => void) | null {
  if (collect !== undefined) return collect;
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return (collect = existing);
  try {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  } catch {
    collect = null; // a runtime without the flag: V8's memory reducer alone, as before
  }
  return collect;
}

export class HeapRelease {
  private timer: NodeJS.Timeout | null = null;
  /** Full collections run so far (tests). */
  runs = 0;

  constructor(private readonly quietMs = QUIET_MS) {}

  /** A bulk apply just finished: collect once no other has followed for quietMs. */
  schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.collectNow();
    }, this.quietMs);
    this.timer.unref();
  }

  /** The collection itself, now (the timer's job; tests call it to see what it frees). */
  collectNow(): void {
    const gc = fullGc();
    if (gc === null) return;
    // gc() with no argument: a full mark-compact on every Node version, and the emptied
    // pages are unmapped right after it. Not gc({ type: 'major', ... }): Node 20's V8 reads
    // that object as a request for a scavenge (young generation only), which left the old
    // generation and the large objects of a load where they were.
    gc();
    this.runs++;
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
