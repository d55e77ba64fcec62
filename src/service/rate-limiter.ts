import type { RequestCounters } from '../domain/attempt-counters.js';
import type { Clock } from '../domain/ports.js';
import type { RateBucket, RateLimitSettings } from '../config.js';
import type { CounterKeys } from './counter-keys.js';

export interface RateDecision {
  readonly bucket: RateBucket;
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  readonly windowSeconds: number;
  /** Seconds until the window ends and the count starts again. */
  readonly resetSeconds: number;
}

/**
 * Per-route request limits per client address (IPv6: per /64), in fixed
 * windows on the shared counters, so every instance counts the same.
 */
export class RateLimiter {
  constructor(
    private readonly counters: RequestCounters,
    private readonly keys: CounterKeys,
    private readonly settings: RateLimitSettings,
    private readonly clock: Clock,
  ) {}

  async check(bucket: RateBucket, ip: string | null): Promise<RateDecision> {
    const now = this.clock.now();
    const { windowMs, limits } = this.settings;
    const [reading] = await this.counters.hit([{ key: this.keys.request(bucket, ip), windowMs }], now);
    const limit = limits[bucket];
    const count = reading!.count;
    return {
      bucket,
      allowed: count <= limit,
      limit,
      remaining: Math.max(0, limit - count),
      windowSeconds: Math.ceil(windowMs / 1000),
      resetSeconds: Math.max(1, Math.ceil((reading!.endsAt - now) / 1000)),
    };
  }
}
