/**
 * The q-quantile of a histogram, as Prometheus's histogram_quantile reads
 * it: `counts[i]` observations fell at or below `bounds[i]` and above the
 * bound before (the last count is the +Inf bucket), and observations are
 * taken as spread evenly inside their bucket. Null without observations; the
 * highest finite bound when the quantile falls in the +Inf bucket.
 */
export function quantile(q: number, counts: ArrayLike<number>, bounds: readonly number[]): number | null {
  const total = sumOf(counts);
  if (total === 0) return null;

  const rank = q * total;
  let below = 0;
  for (let bucket = 0; bucket < bounds.length; bucket++) {
    const inBucket = counts[bucket]!;
    if (below + inBucket >= rank && inBucket > 0) {
      const lower = bucket === 0 ? 0 : bounds[bucket - 1]!;
      return lower + (bounds[bucket]! - lower) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return bounds[bounds.length - 1]!;
}

export function sumOf(values: ArrayLike<number>): number {
  let total = 0;
  for (let index = 0; index < values.length; index++) total += values[index]!;
  return total;
}
