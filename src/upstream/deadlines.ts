// One coarse clock for every upstream read timeout (STYLE rule 8, after undici's
// util/timers.js): no setTimeout per query. Attempts sit in an intrusive list ordered by
// deadline; one unref'd interval, running only while the list is non-empty, expires the head.
//
// Almost every deadline is "now + the read timeout", so insertion order is deadline order and
// push is O(1); the walk back from the tail only runs for a shorter deadline (none today).
// Expiring costs O(expired) per tick and removal on reply O(1): the work per query is two
// pointer updates whatever the number in flight. A deadline fires up to one tick late.

export interface DeadlineNode {
  deadline: number;
  dPrev: DeadlineNode | null;
  dNext: DeadlineNode | null;
  dQueued: boolean;
}

export class DeadlineList<T extends DeadlineNode> {
  private head: DeadlineNode | null = null;
  private tail: DeadlineNode | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly tickFn = (): void => this.tick();

  /** `now` is performance.now(); `expire` is called for each node past its deadline. */
  constructor(
    private readonly tickMs: number,
    private readonly now: () => number,
    private readonly expire: (node: T) => void,
  ) {}

  push(node: T, deadline: number): void {
    node.deadline = deadline;
    node.dQueued = true;
    let after = this.tail;
    while (after !== null && after.deadline > deadline) after = after.dPrev;
    node.dPrev = after;
    node.dNext = after === null ? this.head : after.dNext;
    if (node.dNext === null) this.tail = node;
    else node.dNext.dPrev = node;
    if (after === null) this.head = node;
    else after.dNext = node;
    if (this.timer === null) {
      this.timer = setInterval(this.tickFn, this.tickMs);
      this.timer.unref();
    }
  }

  remove(node: T): void {
    if (!node.dQueued) return;
    node.dQueued = false;
    if (node.dPrev === null) this.head = node.dNext;
    else node.dPrev.dNext = node.dNext;
    if (node.dNext === null) this.tail = node.dPrev;
    else node.dNext.dPrev = node.dPrev;
    node.dPrev = node.dNext = null;
  }

  get empty(): boolean {
    return this.head === null;
  }

  /** Public for tests that step the clock; the interval calls it otherwise. */
  tick(): void {
    const now = this.now();
    while (this.head !== null && this.head.deadline <= now) {
      const node = this.head as T;
      this.remove(node);
      this.expire(node);
    }
    if (this.head === null) this.stop();
  }

  /** Empty the list, handing each node to `fn` (shutdown). */
  drain(fn: (node: T) => void): void {
    while (this.head !== null) {
      const node = this.head as T;
      this.remove(node);
      fn(node);
    }
    this.stop();
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
