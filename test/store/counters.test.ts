import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { AttemptCounters, RequestCounters } from '../../src/domain/attempt-counters.js';
import { RedisCounters } from '../../src/redis/redis-counters.js';
import { postgresCounters } from '../../src/store/postgres/pg-counters.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { sqliteCounters } from '../../src/store/sqlite/sqlite-counters.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dropRedisPrefix, REDIS_URL, redisPrefix } from '../helpers/guardian.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

/** One contract for every counter adapter, each on its real engine. */
interface Subject {
  readonly counters: RequestCounters & Partial<AttemptCounters>;
  close(): Promise<void>;
}

const ADAPTERS: Record<string, () => Promise<Subject>> = {
  async sqlite() {
    const dir = mkdtempSync(path.join(tmpdir(), 'astral-counters-'));
    const store = new SqliteStore(path.join(dir, 'counters.db'));
    await store.migrate();
    return { counters: sqliteCounters(store.db), close: async () => { await store.close(); rmSync(dir, { recursive: true }); } };
  },
  async postgres() {
    const database: TestDatabase = await createTestDatabase();
    const store = new PostgresStore({ url: database.url, poolMax: 20, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 });
    await store.migrate();
    return { counters: postgresCounters(store.pool), close: async () => { await store.close(); await database.drop(); } };
  },
  async redis() {
    const prefix = redisPrefix();
    const redis = new Redis(REDIS_URL);
    return { counters: new RedisCounters(redis, prefix), close: async () => { redis.disconnect(); await dropRedisPrefix(prefix); } };
  },
};

const MINUTE = 60_000;

for (const [name, open] of Object.entries(ADAPTERS)) {
  describe(`attempt counters on ${name}`, () => {
    let subject: Subject;
    const now = 1_800_000_000_000;
    let n = 0;
    const key = () => `k:${name}:${++n}`;

    before(async () => {
      subject = await open();
    });
    after(() => subject.close());

    test('200 parallel hits on one counter each get a distinct count', async () => {
      const k = key();
      const readings = await Promise.all(Array.from({ length: 200 }, () => subject.counters.hit([{ key: k, windowMs: MINUTE }], now)));
      const counts = readings.map(([reading]) => reading!.count).sort((a, b) => a - b);
      assert.deepEqual(counts, Array.from({ length: 200 }, (_, i) => i + 1));
      assert.ok(readings.every(([reading]) => reading!.startedAt === now && reading!.endsAt === now + MINUTE));
    });

    test('several counters in one hit, in the order given; parallel multi-counter hits do not deadlock', async () => {
      const [a, b, c] = [key(), key(), key()];
      const hits = await Promise.all(Array.from({ length: 50 }, (_, i) =>
        subject.counters.hit(i % 2 ? [{ key: c, windowMs: MINUTE }, { key: a, windowMs: MINUTE }] : [{ key: a, windowMs: MINUTE }, { key: b, windowMs: 2 * MINUTE }], now)));
      const countsOfA = hits.map((pair, i) => pair[i % 2 ? 1 : 0]!.count).sort((x, y) => x - y);
      assert.deepEqual(countsOfA, Array.from({ length: 50 }, (_, i) => i + 1));
      const [ra, rb] = await subject.counters.hit([{ key: a, windowMs: MINUTE }, { key: b, windowMs: 2 * MINUTE }], now);
      assert.equal(ra!.count, 51);
      assert.equal(rb!.count, 26);
      assert.equal(rb!.endsAt, now + 2 * MINUTE);
    });

    test('a counter starts again once its window has ended', async () => {
      const k = key();
      await subject.counters.hit([{ key: k, windowMs: MINUTE }], now);
      await subject.counters.hit([{ key: k, windowMs: MINUTE }], now + 1_000);
      const [later] = await subject.counters.hit([{ key: k, windowMs: MINUTE }], now + MINUTE);
      assert.deepEqual(later, { count: 1, startedAt: now + MINUTE, endsAt: now + 2 * MINUTE });
    });

    if (name !== 'redis') {
      test('refund takes one back but never below zero; clear and clearPrefix end counters', async () => {
        const counters = subject.counters as AttemptCounters;
        const k = key();
        await counters.hit([{ key: k, windowMs: MINUTE }], now);
        await counters.refund([k], now);
        await counters.refund([k], now);
        assert.equal((await counters.hit([{ key: k, windowMs: MINUTE }], now))[0]!.count, 1);

        await counters.hit([{ key: 'acct:x:all', windowMs: MINUTE }, { key: 'acct:x:i:1', windowMs: MINUTE }, { key: 'acct:y:all', windowMs: MINUTE }], now);
        await counters.clearPrefix('acct:x:');
        const [x, y] = await counters.hit([{ key: 'acct:x:i:1', windowMs: MINUTE }, { key: 'acct:y:all', windowMs: MINUTE }], now);
        assert.equal(x!.count, 1);
        assert.equal(y!.count, 2);
        await counters.clear([k]);
        assert.equal((await counters.hit([{ key: k, windowMs: MINUTE }], now))[0]!.count, 1);
        assert.ok((await counters.purgeExpired(now + 10 * MINUTE)) >= 3);
      });
    }
  });
}
