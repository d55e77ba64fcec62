import type { CounterCell, HistogramCell } from './cell-metrics.js';
import { CACHE_TIERS, LATENCY_BUCKETS, type CacheTier, type PrometheusMetrics } from './metrics.js';
import { quantile, sumOf } from './quantile.js';
import { RowRing } from './ring.js';

/** Latency in milliseconds; the quantiles are null when nothing was observed. */
export interface Latency {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** What the alerts compare with their thresholds; null while the window holds too little. */
export interface Figures {
  readonly apiLatencyMs: number | null;
  readonly queryTimeMs: number | null;
  readonly cacheHitRatio: number | null;
  readonly poolUse: number | null;
  readonly errorRate: number | null;
}

/** `rows` rows (seconds), starting `ago` rows before the newest. */
export interface Span {
  readonly rows: number;
  readonly ago: number;
}

/** The pool and the hashing queue as last sampled. */
export interface Gauges {
  readonly at: number;
  readonly poolInUse: number;
  readonly poolMax: number;
  readonly poolWaiting: number;
  readonly hashQueue: number;
}

/** Fewer events than this in the window say nothing about a share or a p95. */
export const MIN_SAMPLES = 20;

export type Track = 'api' | 'login' | 'session' | 'query';
const TRACKS: readonly Track[] = ['api', 'login', 'session', 'query'];
// Counted per row: API requests, those answered 5xx, cache hits and misses per tier.
const COUNTERS = ['requests', 'errors', ...CACHE_TIERS.flatMap((tier) => [`${tier}:hit`, `${tier}:miss`])];
// Sampled per row: when, seconds covered, pool in use and size, waiting for a connection, hashes queued.
const GAUGES = ['at', 'seconds', 'poolInUse', 'poolMax', 'poolWaiting', 'hashQueue'] as const;

type Labels = HistogramCell['labels'];

/** API traffic is the versioned API without the admin routes; /metrics and probes are not. */
export function isApiRoute(route: string | undefined): boolean {
  return route !== undefined && route.startsWith('/v1/') && !route.startsWith('/v1/admin/');
}

const isLogin = (labels: Labels) => labels.route === '/v1/login';
const isApi = (labels: Labels) => isApiRoute(labels.route);
const isApiError = (labels: Labels) => isApi(labels) && labels.status!.startsWith('5');
const everything = () => true;

/**
 * The last few seconds of traffic, one row a second, read from the metrics
 * themselves: each sample stores how much the cumulative counts grew since
 * the sample before. The request path pays nothing for it, and the figures
 * are the ones Prometheus computes from the same series.
 */
export class TrafficWindow {
  private readonly tracks = new Map<Track, DeltaRing>();
  private readonly counters: DeltaRing;
  private readonly gauges: RowRing;
  private sampledAt: number;

  constructor(
    private readonly metrics: PrometheusMetrics,
    readonly slots: number,
    startedAt: number,
  ) {
    for (const track of TRACKS) this.tracks.set(track, new DeltaRing(slots, LATENCY_BUCKETS.length + 1));
    this.counters = new DeltaRing(slots, COUNTERS.length);
    this.gauges = new RowRing(slots, GAUGES.length);
    this.sampledAt = startedAt;
  }

  /** Rows held so far, at most `slots`. */
  get rows(): number {
    return this.gauges.length;
  }

  get whole(): Span {
    return { rows: this.slots, ago: 0 };
  }

  /** Adds one row: what happened since the last sample, and the pool and queue now. */
  sample(now: number): void {
    const requests = [...this.metrics.requestDuration.cells()];
    this.track('api').record(bucketCounts(requests, isApi));
    this.track('login').record(bucketCounts(requests, isLogin));
    this.track('session').record(bucketCounts(this.metrics.sessionValidation.cells(), everything));
    this.track('query').record(bucketCounts(this.metrics.queryDuration.cells(), everything));
    this.counters.record(counterTotals(requests, this.metrics.cacheLookups.cells()));
    this.recordGauges(now);
  }

  figures(): Figures {
    const api = this.latency('api');
    const query = this.latency('query');
    const lookups = this.count('l1:hit') + this.count('l1:miss');
    return {
      apiLatencyMs: api.count >= MIN_SAMPLES ? api.p95 : null,
      queryTimeMs: query.count >= MIN_SAMPLES ? query.p95 : null,
      cacheHitRatio: lookups >= MIN_SAMPLES ? this.cacheHitRatio() : null,
      poolUse: this.poolUse(),
      errorRate: this.count('requests') >= MIN_SAMPLES ? this.errorRate() : null,
    };
  }

  latency(track: Track, span = this.whole): Latency {
    const counts = this.track(track).sum(span);
    const ms = (q: number) => toMs(quantile(q, counts, LATENCY_BUCKETS));
    return { count: sumOf(counts), p50: ms(0.5), p95: ms(0.95), p99: ms(0.99) };
  }

  requestRate(span = this.whole): number {
    const seconds = this.gauges.sum(span.rows, span.ago)[GAUGES.indexOf('seconds')]!;
    return seconds > 0 ? this.count('requests', span) / seconds : 0;
  }

  /** The share of API requests answered 5xx, or null without requests. */
  errorRate(span = this.whole): number | null {
    const requests = this.count('requests', span);
    return requests > 0 ? this.count('errors', span) / requests : null;
  }

  cacheTier(tier: CacheTier, span = this.whole): { hits: number; misses: number; ratio: number | null } {
    const hits = this.count(`${tier}:hit`, span);
    const misses = this.count(`${tier}:miss`, span);
    return { hits, misses, ratio: hits + misses > 0 ? hits / (hits + misses) : null };
  }

  /** Lookups answered by L1 or L2 over all lookups (each starts at L1), or null without any. */
  cacheHitRatio(span = this.whole): number | null {
    const lookups = this.count('l1:hit', span) + this.count('l1:miss', span);
    if (lookups === 0) return null;
    return (this.count('l1:hit', span) + this.count('l2:hit', span)) / lookups;
  }

  /** The mean share of the pool in use over the sampled rows, or null before the first. */
  poolUse(span = this.whole): number | null {
    const rows = Math.min(span.ago + span.rows, this.rows) - span.ago;
    if (rows <= 0) return null;

    let total = 0;
    for (let ago = span.ago; ago < span.ago + rows; ago++) {
      const row = this.gauges.row(ago)!;
      total += gaugeOf(row, 'poolInUse') / Math.max(1, gaugeOf(row, 'poolMax'));
    }
    return total / rows;
  }

  /** The gauges of the row `ago` rows before the newest. */
  gaugesAt(ago = 0): Gauges {
    const row = this.gauges.row(ago) ?? new Float64Array(GAUGES.length);
    return {
      at: gaugeOf(row, 'at'),
      poolInUse: gaugeOf(row, 'poolInUse'),
      poolMax: gaugeOf(row, 'poolMax'),
      poolWaiting: gaugeOf(row, 'poolWaiting'),
      hashQueue: gaugeOf(row, 'hashQueue'),
    };
  }

  private count(counter: string, span = this.whole): number {
    return this.counters.sum(span)[COUNTERS.indexOf(counter)]!;
  }

  private track(name: Track): DeltaRing {
    return this.tracks.get(name)!;
  }

  private recordGauges(now: number): void {
    const pool = this.metrics.poolNow();
    const seconds = Math.max(0, now - this.sampledAt) / 1000;
    const values = [now, seconds, pool?.inUse ?? 0, pool?.max ?? 0, pool?.waiting ?? 0, this.metrics.hashQueueNow()];
    this.gauges.push().set(values);
    this.sampledAt = now;
  }
}

/**
 * A ring of growths: `record` takes cumulative totals and stores what was
 * added since the totals it was given before.
 */
class DeltaRing {
  private readonly ring: RowRing;
  private readonly previous: Float64Array;

  constructor(slots: number, width: number) {
    this.ring = new RowRing(slots, width);
    this.previous = new Float64Array(width);
  }

  record(totals: Float64Array): void {
    const row = this.ring.push();
    for (let column = 0; column < totals.length; column++) {
      // A total that went down was reset: what it holds now is what was added.
      const grown = totals[column]! - this.previous[column]!;
      row[column] = grown >= 0 ? grown : totals[column]!;
    }
    this.previous.set(totals);
  }

  sum(span: Span): Float64Array {
    return this.ring.sum(span.rows, span.ago);
  }
}

/** Observations per bucket (the last is +Inf), summed over the cells whose labels pass `keep`. */
function bucketCounts(cells: Iterable<HistogramCell>, keep: (labels: Labels) => boolean): Float64Array {
  const counts = new Float64Array(LATENCY_BUCKETS.length + 1);
  for (const cell of cells) {
    if (!keep(cell.labels)) continue;
    for (let bucket = 0; bucket < counts.length; bucket++) counts[bucket]! += cell.counts[bucket]!;
  }
  return counts;
}

function counterTotals(requests: readonly HistogramCell[], lookups: Iterable<CounterCell>): Float64Array {
  const totals = new Float64Array(COUNTERS.length);
  totals[COUNTERS.indexOf('requests')] = observations(requests, isApi);
  totals[COUNTERS.indexOf('errors')] = observations(requests, isApiError);
  for (const { labels, value } of lookups) {
    const column = COUNTERS.indexOf(`${labels.tier}:${labels.result}`);
    if (column >= 0) totals[column] = value;
  }
  return totals;
}

function observations(cells: readonly HistogramCell[], keep: (labels: Labels) => boolean): number {
  let total = 0;
  for (const cell of cells) if (keep(cell.labels)) total += cell.count;
  return total;
}

function gaugeOf(row: Float64Array, name: (typeof GAUGES)[number]): number {
  return row[GAUGES.indexOf(name)]!;
}

function toMs(seconds: number | null): number | null {
  return seconds === null ? null : seconds * 1000;
}
