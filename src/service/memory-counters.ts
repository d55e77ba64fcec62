import { LRUCache } from 'lru-cache';
import type { CounterHit, RequestCounters } from '../domain/attempt-counters.js';
import type { CounterReading } from '../domain/throttle.js';

/**
 * Request-limit counters in this process, for when no Redis is configured
 * (or it is away): the request limits then hold per instance, and counting a
 * request costs no database write, which keeps session checks free of I/O.
 * Login attempts are never counted here; their budget lives in the database.
 * Bounded: the least recently hit counters go first.
 */
export class MemoryCounters implements RequestCounters {
  private readonly counters: LRUCache<string, CounterReading>;

  constructor(maxCounters = 100_000) {
    this.counters = new LRUCache({ max: maxCounters });
  }

  async hit(hits: readonly CounterHit[], now: number): Promise<CounterReading[]> {
    return hits.map(({ key, windowMs }) => {
      const current = this.counters.get(key);
      const reading =
        current && now < current.endsAt
          ? { ...current, count: current.count + 1 }
          : { count: 1, startedAt: now, endsAt: now + windowMs };
      this.counters.set(key, reading);
      return reading;
    });
  }
}
