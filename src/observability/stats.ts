import type { AlertView } from './alerts.js';
import { CACHE_TIERS, type CacheTier } from './metrics.js';
import type { Latency, Span, Track, TrafficWindow } from './traffic-window.js';

/** A figure the window may not be able to tell yet. */
type Maybe = number | null;

/** What the dashboard shows: the window's figures now, a series per second, the alerts. */
export interface Stats {
  readonly sampledAt: string | null;
  readonly windowSeconds: number;
  readonly requestRate: number;
  readonly errorRate: Maybe;
  readonly latency: Record<Track, Latency>;
  readonly cache: { readonly hitRatio: Maybe; readonly tiers: Record<CacheTier, TierFigures> };
  readonly pool: { readonly inUse: number; readonly max: number; readonly waiting: number; readonly use: Maybe };
  readonly hashQueue: number;
  readonly series: Series;
  readonly alerts: AlertView[];
}

export interface TierFigures {
  readonly hits: number;
  readonly misses: number;
  readonly ratio: Maybe;
}

/** One value per sampled second, oldest first; latencies in milliseconds. */
export interface Series {
  readonly at: number[];
  readonly requestRate: number[];
  readonly errorRate: Maybe[];
  readonly cacheHitRatio: Maybe[];
  readonly poolUse: Maybe[];
  readonly login: Quantiles;
  readonly session: Quantiles;
  readonly api: Quantiles;
  readonly query: Quantiles;
}

export interface Quantiles {
  readonly p50: Maybe[];
  readonly p95: Maybe[];
  readonly p99: Maybe[];
}

// Quantiles and shares in the series are read over this many seconds,
// so one quiet second does not blank them.
const SMOOTH_ROWS = 5;

export function presentStats(window: TrafficWindow, alerts: AlertView[]): Stats {
  const latest = window.gaugesAt(0);
  return {
    sampledAt: window.rows > 0 ? new Date(latest.at).toISOString() : null,
    windowSeconds: window.slots,
    requestRate: round(window.requestRate()),
    errorRate: round(window.errorRate()),
    latency: {
      api: rounded(window.latency('api')),
      login: rounded(window.latency('login')),
      session: rounded(window.latency('session')),
      query: rounded(window.latency('query')),
    },
    cache: { hitRatio: round(window.cacheHitRatio()), tiers: cacheTiers(window) },
    pool: {
      inUse: latest.poolInUse,
      max: latest.poolMax,
      waiting: latest.poolWaiting,
      use: round(window.poolUse()),
    },
    hashQueue: latest.hashQueue,
    series: series(window),
    alerts,
  };
}

function cacheTiers(window: TrafficWindow): Stats['cache']['tiers'] {
  const entries = CACHE_TIERS.map((tier) => {
    const { hits, misses, ratio } = window.cacheTier(tier);
    return [tier, { hits, misses, ratio: round(ratio) }];
  });
  return Object.fromEntries(entries) as Stats['cache']['tiers'];
}

function series(window: TrafficWindow): Series {
  const agos = Array.from({ length: window.rows }, (_, index) => window.rows - 1 - index);
  const smooth = (ago: number): Span => ({ rows: SMOOTH_ROWS, ago });
  const quantiles = (track: Track): Quantiles => {
    const latencies = agos.map((ago) => window.latency(track, smooth(ago)));
    return {
      p50: latencies.map((latency) => round(latency.p50)),
      p95: latencies.map((latency) => round(latency.p95)),
      p99: latencies.map((latency) => round(latency.p99)),
    };
  };
  return {
    at: agos.map((ago) => window.gaugesAt(ago).at),
    requestRate: agos.map((ago) => round(window.requestRate({ rows: 1, ago }))),
    errorRate: agos.map((ago) => round(window.errorRate(smooth(ago)))),
    cacheHitRatio: agos.map((ago) => round(window.cacheHitRatio(smooth(ago)))),
    poolUse: agos.map((ago) => round(window.poolUse({ rows: 1, ago }))),
    login: quantiles('login'),
    session: quantiles('session'),
    api: quantiles('api'),
    query: quantiles('query'),
  };
}

function rounded(latency: Latency): Latency {
  return { count: latency.count, p50: round(latency.p50), p95: round(latency.p95), p99: round(latency.p99) };
}

/** Four significant decimals are plenty for a chart and keep the answer small. */
function round(value: number): number;
function round(value: number | null): number | null;
function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}
