import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SessionL2 } from '../../src/cache/session-l2.js';
import { TieredSessionCache, type CacheTier } from '../../src/cache/tiered-session-cache.js';
import type { SessionReader, Store } from '../../src/domain/ports.js';
import { LocalRevocationBus } from '../../src/events/local-revocation-bus.js';
import { connectRedis } from '../../src/redis/connect.js';
import { TestClock } from '../helpers/clock.js';
import { TEST_REDIS_URL } from '../helpers/service.js';
import { newSession, newUser, openTestStore } from '../store/stores.js';

/**
 * The tiers on real engines: PostgreSQL below, Redis as L2, a fresh L1 per
 * cache object (as each instance has its own). Lookups are counted per tier.
 */
describe('tiered session cache on PostgreSQL and Redis', () => {
  const clock = new TestClock();
  const prefix = `astral-test-${randomBytes(6).toString('hex')}:`;
  const redis = connectRedis(TEST_REDIS_URL, 'test');
  let store: Store;
  let dispose: () => Promise<void>;

  before(async () => ({ store, dispose } = await openTestStore('postgres')));
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await dispose();
  });

  function cacheWithCounter(source: SessionReader = store) {
    const lookups: string[] = [];
    const bus = new LocalRevocationBus();
    const cache = new TieredSessionCache(source, new SessionL2(redis, prefix, 60_000), clock, {
      maxEntries: 100,
      ttlMs: 60_000,
      degradedTtlMs: 1_000,
      onLookup: (tier: CacheTier, hit: boolean) => lookups.push(`${tier}:${hit ? 'hit' : 'miss'}`),
    });
    cache.attach(bus);
    return { cache, bus, lookups };
  }

  async function storedSession() {
    const user = newUser();
    await store.createUser(user);
    const session = newSession(user.id, clock.now());
    await store.createSession(session);
    return session;
  }

  test('a miss reads the database and fills both tiers; the next read hits L1', async () => {
    const session = await storedSession();
    const { cache, lookups } = cacheWithCounter();
    assert.equal((await cache.findSessionByTokenHash(session.tokenHash))?.id, session.id);
    assert.equal((await cache.findSessionByTokenHash(session.tokenHash))?.id, session.id);
    assert.equal((await cache.findSessionById(session.id))?.id, session.id);
    assert.deepEqual(lookups, ['l1:miss', 'l2:miss', 'db:hit', 'l1:hit', 'l1:hit']);
  });

  test('another instance, with an empty L1, is served from L2', async () => {
    const session = await storedSession();
    await cacheWithCounter().cache.findSessionByTokenHash(session.tokenHash);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the L2 fill is written after the answer
    const second = cacheWithCounter();
    const view = await second.cache.findSessionById(session.id);
    assert.equal(view?.id, session.id);
    assert.deepEqual(view?.tokenHash, session.tokenHash);
    assert.deepEqual(second.lookups, ['l1:miss', 'l2:hit']);
  });

  test('a revocation drops the session from L1 and L2', async () => {
    const session = await storedSession();
    const { cache, bus, lookups } = cacheWithCounter();
    await cache.findSessionByTokenHash(session.tokenHash);
    await store.deleteSession(session.id);
    await bus.publish({ kind: 'session', sessionId: session.id, userId: session.userId, at: clock.now() });
    lookups.length = 0;
    assert.equal(await cache.findSessionByTokenHash(session.tokenHash), undefined);
    assert.deepEqual(lookups, ['l1:miss', 'l2:miss', 'db:miss']);
    assert.equal(await redis.get(`${prefix}i:${session.id}`), null);
  });

  test('a read that started before a revocation is not cached after it', async () => {
    const session = await storedSession();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: SessionReader = {
      findSessionByTokenHash: async (hash) => {
        const view = await store.findSessionByTokenHash(hash);
        await gate;
        return view;
      },
      findSessionById: (id) => store.findSessionById(id),
    };
    const { cache, bus, lookups } = cacheWithCounter(slow);
    const pending = cache.findSessionByTokenHash(session.tokenHash);
    await new Promise((resolve) => setTimeout(resolve, 20));
    clock.advance(1);
    await store.deleteSession(session.id);
    await bus.publish({ kind: 'session', sessionId: session.id, userId: session.userId, at: clock.now() });
    release();
    assert.equal((await pending)?.id, session.id, 'the in-flight read answers what it read');
    lookups.length = 0;
    assert.equal(await cache.findSessionByTokenHash(session.tokenHash), undefined);
    assert.deepEqual(lookups, ['l1:miss', 'l2:miss', 'db:miss'], 'nothing stale was cached in L1 or L2');
  });

  test('a new session remembered after a revocation of its user is not cached', async () => {
    const session = await storedSession();
    const view = await store.findSessionById(session.id);
    const { cache, bus, lookups } = cacheWithCounter();
    await store.deleteSession(session.id);
    await bus.publish({ kind: 'user', userId: session.userId, exceptSessionId: null, at: clock.now() });
    cache.remember(view!);
    assert.equal(await cache.findSessionById(session.id), undefined);
    assert.deepEqual(lookups, ['l1:miss', 'l2:miss', 'db:miss']);
  });

  test('a user-wide revocation keeps the excepted session', async () => {
    const user = newUser();
    await store.createUser(user);
    const [keep, drop] = [newSession(user.id, clock.now()), newSession(user.id, clock.now())];
    await store.createSession(keep);
    await store.createSession(drop);
    const { cache, bus, lookups } = cacheWithCounter();
    await cache.findSessionById(keep.id);
    await cache.findSessionById(drop.id);
    clock.advance(1);
    await bus.publish({ kind: 'user', userId: user.id, exceptSessionId: keep.id, at: clock.now() });
    lookups.length = 0;
    await cache.findSessionById(keep.id);
    await cache.findSessionById(drop.id);
    assert.deepEqual(lookups, ['l1:hit', 'l1:miss', 'l2:miss', 'db:hit']);
  });

  test('the LRU bound holds and evicted sessions leave no index behind', async () => {
    const { cache, lookups } = cacheWithCounter();
    const sessions = [];
    for (let i = 0; i < 120; i++) sessions.push(await storedSession());
    for (const session of sessions) await cache.findSessionByTokenHash(session.tokenHash);
    assert.equal(cache.size, 100);
    lookups.length = 0;
    await cache.findSessionById(sessions[0]!.id);
    await cache.findSessionById(sessions[119]!.id);
    assert.equal(lookups[0], 'l1:miss', 'the evicted session is not reachable by id');
    assert.equal(lookups.at(-1), 'l1:hit');
  });

  test('entries older than the TTL are read again', async () => {
    const session = await storedSession();
    const { cache, lookups } = cacheWithCounter();
    await cache.findSessionByTokenHash(session.tokenHash);
    clock.advance(61_000);
    lookups.length = 0;
    await cache.findSessionByTokenHash(session.tokenHash);
    assert.equal(lookups[0], 'l1:miss');
  });
});
