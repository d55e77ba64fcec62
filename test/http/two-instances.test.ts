import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClock } from '../helpers/clock.js';
import { assertError, dropRedisPrefix, evaluatedFailures, login, REDIS_URL, redisPrefix, register } from '../helpers/guardian.js';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { startService, type RunningService } from '../helpers/service.js';

const ADMIN_TOKEN = 'admin-token-two-instances-0123456789abc';

/**
 * Two instances on one PostgreSQL database and one Redis prefix, as behind a
 * load balancer: budgets, limits and admin actions hold across both.
 */
describe('two instances on PostgreSQL and Redis', () => {
  const clock = new TestClock();
  const prefix = redisPrefix();
  let one: RunningService;
  let two: RunningService;

  before(async () => {
    const env = { REDIS_URL, ASTRAL_REDIS_PREFIX: prefix, ASTRAL_RATE_REGISTER: '4', ASTRAL_ADMIN_TOKEN: ADMIN_TOKEN, ASTRAL_LOCKOUT_PAIR_FREE: '5' };
    one = await startService('postgres', { clock, env });
    two = await startService('postgres', { clock, join: one });
  });
  after(async () => {
    await two.stop();
    await one.stop();
    await dropRedisPrefix(prefix);
  });

  test('200 parallel wrong passwords spread over both: exactly the pair budget is evaluated', async () => {
    const { email, userId } = await register(one.url);
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => login(i % 2 === 0 ? one.url : two.url, email, strongPassword())),
    );
    const unauthorised = replies.filter((reply) => reply.status === 401).length;
    assert.equal(unauthorised, 5);
    assert.equal(replies.filter((reply) => reply.status === 429).length, 195);
    await two.app.core.guardian.audit.flush();
    assert.equal(await evaluatedFailures(one, userId), 5);
  });

  test('request limits are counted once for both', async () => {
    const headers = { 'user-agent': 'limit-check' };
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const base = i % 2 === 0 ? one.url : two.url;
      statuses.push((await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail(), password: strongPassword() }, headers })).status);
    }
    assert.deepEqual(statuses.slice(-1), [429]);
    assert.equal(statuses.filter((status) => status === 201).length, 3, 'one registration went to the earlier test');
  });

  test('an admin action on one instance holds on the other at once', async () => {
    clock.advance(60_000);
    const { email, password, userId } = await register(two.url);
    const session = (await login(two.url, email, password)).body.sessionToken;
    assert.equal((await call(one.url, 'POST', `/v1/admin/users/${userId}/disable`, { token: ADMIN_TOKEN })).status, 204);
    assertError(await call(two.url, 'GET', '/v1/session', { token: session }), 401, 'invalid_session');
    assertError(await login(two.url, email, password), 401, 'invalid_credentials');
  });

  test('with Redis unreachable, request limits fall back to the database: no 500', async () => {
    const lost = await startService('postgres', { clock, join: one, env: { REDIS_URL: 'redis://127.0.0.1:1', ASTRAL_RATE_LOGIN: '2' } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await login(lost.url, uniqueEmail('fallback'), strongPassword())).status);
      assert.deepEqual(statuses, [401, 401, 429]);
      assert.ok(lost.logs.some((line) => line.includes('Redis counters failed')));
    } finally {
      await lost.stop();
    }
  });
});
