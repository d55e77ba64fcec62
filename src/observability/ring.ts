/**
 * The last `slots` rows of `width` numbers each. A new row overwrites the
 * oldest, so memory is fixed at `slots * width` numbers however long the
 * service runs.
 */
export class RowRing {
  private readonly rows: Float64Array[];
  private newest = -1;
  private count = 0;

  constructor(
    readonly slots: number,
    readonly width: number,
  ) {
    this.rows = Array.from({ length: slots }, () => new Float64Array(width));
  }

  /** Rows held, at most `slots`. */
  get length(): number {
    return this.count;
  }

  /** Starts a new row, zeroed, and returns it to be filled. */
  push(): Float64Array {
    this.newest = (this.newest + 1) % this.slots;
    this.count = Math.min(this.count + 1, this.slots);
    return this.rows[this.newest]!.fill(0);
  }

  /** The row `ago` rows before the newest (0 is the newest), if held. */
  row(ago: number): Float64Array | undefined {
    if (ago < 0 || ago >= this.count) return undefined;
    return this.rows[(this.newest - ago + this.slots) % this.slots];
  }

  /** The column sums of `rows` rows, starting `ago` rows before the newest. */
  sum(rows = this.count, ago = 0): Float64Array {
    const total = new Float64Array(this.width);
    const end = Math.min(ago + rows, this.count);
    for (let index = ago; index < end; index++) {
      const row = this.row(index)!;
      for (let column = 0; column < this.width; column++) total[column]! += row[column]!;
    }
    return total;
  }
}
