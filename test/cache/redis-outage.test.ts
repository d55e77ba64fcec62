import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { RedisRevocationBus } from '../../src/events/redis-revocation-bus.js';
import { connectRedis } from '../../src/redis/connect.js';
import { TestClock } from '../helpers/clock.js';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { PrivateRedis } from '../helpers/redis-server.js';
import { startService, TEST_REDIS_URL, type RunningService } from '../helpers/service.js';

/**
 * Redis goes away under two instances and comes back. Meanwhile requests keep
 * being answered from memory and PostgreSQL, never with a 500; a session
 * revoked during the outage is refused everywhere once the cached copies age
 * past the degraded TTL, and after Redis returns.
 */
describe('Redis down and back', () => {
  const clock = new TestClock();
  let redis: PrivateRedis;
  let a: RunningService;
  let b: RunningService;

  before(async () => {
    redis = await PrivateRedis.start();
    const env = { REDIS_URL: redis.url, ASTRAL_REDIS_PREFIX: 'outage:', ASTRAL_CACHE_DEGRADED_TTL: '1s' };
    a = await startService('postgres', { env, clock });
    b = await startService('postgres', { join: a, env, clock });
  });
  after(async () => {
    await b.stop();
    await a.stop();
    await redis.stop();
  });

  async function login() {
    const email = uniqueEmail();
    const password = strongPassword();
    await call(a.url, 'POST', '/v1/register', { body: { email, password } });
    return (await call(a.url, 'POST', '/v1/login', { body: { email, password } })).body as { sessionToken: string };
  }

  test('serves, revokes and recovers without a 500', async () => {
    const kept = await login();
    const revoked = await login();
    for (const { sessionToken } of [kept, revoked]) {
      assert.equal((await call(b.url, 'GET', '/v1/session', { token: sessionToken })).status, 200, 'cached on B');
    }

    await redis.stop();
    await waitUntil(() => !b.app.core.shared.sessions.isTrusting && !a.app.core.shared.sessions.isTrusting);
    assert.equal((await call(b.url, 'GET', '/v1/session', { token: kept.sessionToken })).status, 200);
    const fresh = await login();
    assert.equal((await call(b.url, 'GET', '/v1/session', { token: fresh.sessionToken })).status, 200, 'logins work without Redis');
    assert.equal((await call(a.url, 'POST', '/v1/logout', { token: revoked.sessionToken })).status, 204);

    clock.advance(1_001);
    assert.equal((await call(b.url, 'GET', '/v1/session', { token: revoked.sessionToken })).status, 401, 'past the degraded TTL, B asks the database');
    assert.equal((await call(b.url, 'GET', '/v1/session', { token: kept.sessionToken })).status, 200);

    await redis.start();
    await waitUntil(() => b.app.core.shared.sessions.isTrusting && a.app.core.shared.sessions.isTrusting);
    assert.equal((await call(b.url, 'GET', '/v1/session', { token: revoked.sessionToken })).status, 401);
    assert.equal((await call(b.url, 'GET', '/v1/session', { token: kept.sessionToken })).status, 200);
    assert.equal((await call(a.url, 'POST', '/v1/logout', { token: kept.sessionToken })).status, 204);
    assert.equal((await call(b.url, 'GET', '/v1/session', { token: kept.sessionToken })).status, 401, 'pub/sub works again');
  });
});

// Noticing a frozen Redis takes a heartbeat and a command timeout (about 2 s);
// the margin is for a machine busy with other tests.
async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition not reached in ${timeoutMs / 1000} s`);
}

/**
 * Regressions: a revocation made while Redis could not take it must hold once
 * Redis answers again. Redis here keeps its data across a kill, as a
 * production one does, and a freeze keeps every connection open.
 */
describe('revocations missed by Redis', () => {
  const clock = new TestClock();
  let redis: PrivateRedis;
  let a: RunningService;
  let b: RunningService;

  before(async () => {
    redis = await PrivateRedis.start({ persistent: true });
    const env = { REDIS_URL: redis.url, ASTRAL_REDIS_PREFIX: 'missed:', ASTRAL_CACHE_DEGRADED_TTL: '1s' };
    a = await startService('postgres', { env, clock });
    b = await startService('postgres', { join: a, env, clock });
  });
  after(async () => {
    redis.resume();
    await b.stop();
    await a.stop();
    await redis.destroy();
  });

  async function cachedOnBoth() {
    const email = uniqueEmail();
    const password = strongPassword();
    await call(a.url, 'POST', '/v1/register', { body: { email, password } });
    const { sessionToken } = (await call(a.url, 'POST', '/v1/login', { body: { email, password } })).body as { sessionToken: string };
    for (const service of [a, b]) assert.equal((await call(service.url, 'GET', '/v1/session', { token: sessionToken })).status, 200);
    return sessionToken;
  }

  const trusting = () => a.app.core.shared.sessions.isTrusting && b.app.core.shared.sessions.isTrusting;

  test('a session revoked while Redis was down is not served from the copy Redis kept', async () => {
    const token = await cachedOnBoth();
    await redis.stop();
    await waitUntil(() => !trusting());
    assert.equal((await call(a.url, 'POST', '/v1/logout', { token })).status, 204);

    await redis.start();
    await waitUntil(trusting);
    for (const service of [b, a]) assert.equal((await call(service.url, 'GET', '/v1/session', { token })).status, 401);
  });

  test('a frozen Redis is noticed, and the revocations made meanwhile go out when it answers', async () => {
    const token = await cachedOnBoth();
    redis.pause();
    await waitUntil(() => !b.app.core.shared.sessions.isTrusting);
    assert.equal((await call(a.url, 'POST', '/v1/logout', { token })).status, 204);
    clock.advance(1_001);
    assert.equal((await call(b.url, 'GET', '/v1/session', { token })).status, 401, 'past the degraded TTL, B asks the database');

    redis.resume();
    await waitUntil(trusting);
    for (const service of [b, a]) assert.equal((await call(service.url, 'GET', '/v1/session', { token })).status, 401);
  });
});

/**
 * Regression: the heartbeat asked Redis on the commands connection, behind
 * whatever was queued there. A connection held that way (a long command, a
 * burst of cache writes) was taken for an outage, and the caches emptied
 * themselves.
 */
describe('a busy commands connection', () => {
  test('is not taken for an outage', async () => {
    const publisher = connectRedis(TEST_REDIS_URL, 'test-commands');
    const subscriber = connectRedis(TEST_REDIS_URL, 'test-revocations', 'subscriber');
    const channel = `astral-test-${randomBytes(6).toString('hex')}:revocations`;
    const bus = new RedisRevocationBus(publisher, subscriber, channel, { heartbeatMs: 100, heartbeatTimeoutMs: 300 });
    try {
      await waitUntil(() => bus.isHealthy);
      // Redis holds a BLPOP on an empty list for 2 s: whatever follows it on that connection waits.
      const blocked = publisher.blpop(`${channel}:empty`, 2).catch(() => undefined);
      const seen: boolean[] = [];
      for (const until = Date.now() + 1_500; Date.now() < until; await sleep(50)) seen.push(bus.isHealthy);
      assert.ok(seen.length > 20 && seen.every(Boolean), 'the bus stayed up while its commands connection was held');
      await blocked;
    } finally {
      bus.close();
      await Promise.all([publisher.quit(), subscriber.quit()]);
    }
  });
});
