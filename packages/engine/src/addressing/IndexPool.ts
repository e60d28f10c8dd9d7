/**
 * Hands out the integers 0..size-1, each to one holder at a time. Starts from a random point
 * and walks forward, so allocation is O(1) until the pool is nearly full and ids do not reveal
 * the order peers came in.
 */
export class IndexPool {
  private readonly used = new Set<number>();
  private cursor: number;

  constructor(readonly size: number) {
    this.cursor = Math.floor(Math.random() * size);
  }

  /** A free index, or undefined when every one is taken. */
  take(): number | undefined {
    if (this.used.size >= this.size) return undefined;
    while (this.used.has(this.cursor)) this.cursor = (this.cursor + 1) % this.size;
    const index = this.cursor;
    this.used.add(index);
    this.cursor = (this.cursor + 1) % this.size;
    return index;
  }

  /** Take `index` itself; false when it is held already. */
  hold(index: number): boolean {
    if (this.used.has(index)) return false;
    this.used.add(index);
    return true;
  }

  release(index: number): void {
    this.used.delete(index);
  }

  get free(): number {
    return this.size - this.used.size;
  }
}
