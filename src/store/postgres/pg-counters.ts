import type pg from 'pg';
import type { AttemptCounters, CounterHit } from '../../domain/attempt-counters.js';
import type { CounterReading } from '../../domain/throttle.js';
import { runner } from './pg-run.js';

/**
 * Attempt counters in PostgreSQL, exact across every instance on the
 * database: INSERT … ON CONFLICT DO UPDATE takes the row lock, increments
 * and returns the new count in one statement. Keys go in sorted, so two
 * multi-counter hits lock rows in the same order and cannot deadlock; the
 * other writes change one row per statement and hold no lock across rows.
 */
const HIT = `INSERT INTO attempt_counters AS c (key, count, "startedAt", "endsAt")
  SELECT t.key, 1, $2::bigint, $2::bigint + t.span FROM unnest($1::text[], $3::bigint[]) AS t(key, span)
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN c."endsAt" <= $2 THEN 1 ELSE c.count + 1 END,
    "startedAt" = CASE WHEN c."endsAt" <= $2 THEN $2 ELSE c."startedAt" END,
    "endsAt" = CASE WHEN c."endsAt" <= $2 THEN excluded."endsAt" ELSE c."endsAt" END
  RETURNING key, count, "startedAt"::float8 AS "startedAt", "endsAt"::float8 AS "endsAt"`;

export function postgresCounters(pool: pg.Pool): AttemptCounters {
  const run = runner(pool);
  return {
    async hit(hits: readonly CounterHit[], now: number): Promise<CounterReading[]> {
      const sorted = [...hits].sort((a, b) => (a.key < b.key ? -1 : 1));
      const { rows } = await run(HIT, [sorted.map((h) => h.key), now, sorted.map((h) => h.windowMs)]);
      const byKey = new Map(rows.map(({ key, ...reading }: CounterReading & { key: string }) => [key, reading]));
      return hits.map((hit) => byKey.get(hit.key)!);
    },
    async refund(keys, now) {
      const refund = 'UPDATE attempt_counters SET count = count - 1 WHERE key = $1 AND count > 0 AND "endsAt" > $2';
      await Promise.all(keys.map((key) => run(refund, [key, now])));
    },
    async clear(keys) {
      await Promise.all(keys.map((key) => run('DELETE FROM attempt_counters WHERE key = $1', [key])));
    },
    async clearPrefix(prefix) {
      await run('DELETE FROM attempt_counters WHERE starts_with(key, $1)', [prefix]);
    },
    async purgeExpired(now) {
      return (await run('DELETE FROM attempt_counters WHERE "endsAt" <= $1', [now])).rowCount;
    },
  };
}
