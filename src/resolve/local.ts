// Memo of locally computed answers (cluster zone, reverse zones, static zones): wire bytes
// per (name, type), valid for one local generation (STYLE rule 7). A change to the cluster
// view or a zone reload moves the generation and drops the whole memo in O(1), so an answer
// never outlives the state it was computed from.
import type { EncodedAnswer } from '../dns/encoded';

export class LocalAnswers {
  private map = new Map<string, EncodedAnswer>();
  private gen = -1;

  constructor(private readonly maxEntries: number) {}

  get(key: string, generation: number): EncodedAnswer | undefined {
    if (generation !== this.gen) {
      if (this.map.size) this.map = new Map();
      this.gen = generation;
      return undefined;
    }
    return this.map.get(key);
  }

  set(key: string, generation: number, a: EncodedAnswer): void {
    if (generation !== this.gen) return; // computed against a view that has moved on
    // A flood of distinct names (random subdomains) must not grow memory without bound.
    if (this.map.size >= this.maxEntries) this.map = new Map();
    this.map.set(key, a);
  }

  get size(): number {
    return this.map.size;
  }
}
