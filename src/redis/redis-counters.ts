import type { Redis } from 'ioredis';
import type { CounterHit, RequestCounters } from '../domain/attempt-counters.js';
import type { CounterReading } from '../domain/throttle.js';

/**
 * Request counters in Redis, for the per-route limits: one Lua script
 * increments every counter of a request and reads it back, atomically, in
 * one round trip. Windows run on the service's clock (passed in), like the
 * database counters, so both agree; Redis's own expiry only collects keys
 * some time after their window ended.
 */
const HIT_SCRIPT = `
local now = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[i + 1])
  local state = redis.call('HMGET', key, 's', 'e')
  local started, ends = tonumber(state[1]), tonumber(state[2])
  if not ends or ends <= now then
    started, ends = now, now + window
    redis.call('HSET', key, 'c', 0, 's', started, 'e', ends)
  end
  local count = redis.call('HINCRBY', key, 'c', 1)
  redis.call('PEXPIRE', key, window + 60000)
  out[i] = { count, started, ends }
end
return out`;

type HitCommand = (numberOfKeys: number, ...args: Array<string | number>) => Promise<Array<[number, number, number]>>;

export class RedisCounters implements RequestCounters {
  private readonly run: HitCommand;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('astralCounterHit', { lua: HIT_SCRIPT });
    this.run = (redis as unknown as { astralCounterHit: HitCommand }).astralCounterHit.bind(redis);
  }

  async hit(hits: readonly CounterHit[], now: number): Promise<CounterReading[]> {
    const keys = hits.map((hit) => `${this.prefix}counter:${hit.key}`);
    const replies = await this.run(keys.length, ...keys, now, ...hits.map((hit) => hit.windowMs));
    return replies.map(([count, startedAt, endsAt]) => ({ count, startedAt, endsAt }));
  }
}

/**
 * Redis first; while it fails, the database's counters answer instead. The
 * counts restart there for the length of the outage (at most one extra
 * window's budget per client), which is why the login lockout counters never
 * live in Redis: they stay exact on the database alone.
 */
export class FallbackCounters implements RequestCounters {
  constructor(
    private readonly primary: RequestCounters,
    private readonly fallback: RequestCounters,
    private readonly onError: (error: unknown) => void,
  ) {}

  async hit(hits: readonly CounterHit[], now: number): Promise<CounterReading[]> {
    try {
      return await this.primary.hit(hits, now);
    } catch (error) {
      this.onError(error);
      return this.fallback.hit(hits, now);
    }
  }
}
