/**
 * A binary max-heap of kernel indices by score, ties going to the lower index (the original
 * order). Typed arrays of a fixed capacity: the scheduler knows how many pushes it can make.
 */
export class ReadyQueue {
  private readonly scores: Float64Array;
  private readonly items: Int32Array;
  /** Entries in the heap, stale ones included. */
  size = 0;

  constructor(capacity: number) {
    this.scores = new Float64Array(capacity);
    this.items = new Int32Array(capacity);
  }

  private before(a: number, b: number): boolean {
    const { scores, items } = this;
    return scores[a] > scores[b] || (scores[a] === scores[b] && items[a] < items[b]);
  }

  private swap(a: number, b: number): void {
    const { scores, items } = this;
    const s = scores[a], i = items[a];
    scores[a] = scores[b], items[a] = items[b];
    scores[b] = s, items[b] = i;
  }

  /** Adds `item` with `score`; an item may be pushed again with a new score (callers skip stale pops). */
  push(item: number, score: number): void {
    let i = this.size++;
    this.scores[i] = score;
    this.items[i] = item;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the best item. */
  pop(): number {
    const top = this.items[0], n = --this.size;
    this.swap(0, n);
    for (let i = 0; ; ) {
      const l = 2 * i + 1, r = l + 1;
      let best = i;
      if (l < n && this.before(l, best)) best = l;
      if (r < n && this.before(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
    return top;
  }
}
