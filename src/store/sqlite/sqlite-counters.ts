import type Database from 'better-sqlite3';
import type { AttemptCounters, CounterHit } from '../../domain/attempt-counters.js';
import type { CounterReading } from '../../domain/throttle.js';
import { prepared } from './statements.js';

/**
 * Attempt counters in the SQLite file. better-sqlite3 runs each statement to
 * completion before the next, and one UPSERT … RETURNING both increments and
 * reads, so every attempt sees a count of its own.
 */
export function sqliteCounters(db: Database.Database): AttemptCounters {
  const hitOne = prepared(db, `INSERT INTO attempt_counters (key, count, "startedAt", "endsAt")
    VALUES (@key, 1, @now, @endsAt)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN "endsAt" <= @now THEN 1 ELSE count + 1 END,
      "startedAt" = CASE WHEN "endsAt" <= @now THEN @now ELSE "startedAt" END,
      "endsAt" = CASE WHEN "endsAt" <= @now THEN @endsAt ELSE "endsAt" END
    RETURNING count, "startedAt", "endsAt"`);
  const refundOne = prepared(db, 
    'UPDATE attempt_counters SET count = count - 1 WHERE key = ? AND count > 0 AND "endsAt" > ?',
  );
  const clearOne = prepared(db, 'DELETE FROM attempt_counters WHERE key = ?');

  return {
    async hit(hits: readonly CounterHit[], now: number): Promise<CounterReading[]> {
      return db.transaction(() =>
        hits.map((hit) => hitOne.get({ key: hit.key, now, endsAt: now + hit.windowMs }) as CounterReading),
      )();
    },
    async refund(keys, now) {
      db.transaction(() => keys.forEach((key) => refundOne.run(key, now)))();
    },
    async clear(keys) {
      db.transaction(() => keys.forEach((key) => clearOne.run(key)))();
    },
    async clearPrefix(prefix) {
      prepared(db, 'DELETE FROM attempt_counters WHERE substr(key, 1, length(@prefix)) = @prefix').run({ prefix });
    },
    async purgeExpired(now) {
      return prepared(db, 'DELETE FROM attempt_counters WHERE "endsAt" <= ?').run(now).changes;
    },
  };
}
