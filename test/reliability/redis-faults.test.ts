import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { call, strongPassword } from '../helpers/http.js';
import { createAccount, Load, mixedTraffic, waitFor, type Account } from '../helpers/load.js';
import { PrivateRedis } from '../helpers/redis-server.js';
import { createDeployment, faultLines, ServiceProcess, type Deployment } from '../helpers/service-process.js';

/**
 * Redis fails under two instances (child processes sharing PostgreSQL and a
 * private Redis) while a mixed load runs against both: killed and restarted
 * with its data, and frozen and resumed. Throughout, every request of the
 * load succeeds (from memory and PostgreSQL while Redis is away); a session
 * revoked during an outage is refused on both instances within a few seconds
 * and stays refused once Redis is back, even though Redis comes back holding
 * the cached copy written before the revocation; afterwards the shared cache
 * fills again and revocations travel over pub/sub again.
 */
const PREFIX = 'rel:';
const DEGRADED_TTL = '500ms';
// How long a revocation may take to reach the other instance while Redis is away.
const REFUSAL_BOUND_MS = 10_000;

describe('Redis faults under load, two instances', () => {
  let redis: PrivateRedis;
  let deployment: Deployment;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let load: Load;
  let accounts: Account[];

  before(async () => {
    redis = await PrivateRedis.start({ persistent: true });
    deployment = await createDeployment('postgres', {
      REDIS_URL: redis.url,
      ASTRAL_REDIS_PREFIX: PREFIX,
      ASTRAL_CACHE_DEGRADED_TTL: DEGRADED_TTL,
      ASTRAL_REVOCATION_ACK_TIMEOUT: '2s',
    });
    a = await ServiceProcess.start(deployment.env);
    b = await ServiceProcess.start(deployment.env);
    accounts = [];
    for (let i = 0; i < 12; i++) accounts.push(await createAccount(a.url));
    load = new Load(4, mixedTraffic(() => [a.url, b.url], accounts));
  });

  after(async () => {
    await load?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.destroy();
    await deployment?.remove();
  });

  /** A session validated on both instances, so that each holds it in memory and Redis holds it too. */
  async function cachedEverywhere(): Promise<Account> {
    const account = await createAccount(a.url);
    for (const service of [a, b]) await expectStatus(service, account.sessionToken, 200);
    return account;
  }

  async function expectStatus(service: ServiceProcess, token: string, status: number): Promise<void> {
    const reply = await call(service.url, 'GET', '/v1/session', { token, timeoutMs: 15_000 });
    assert.equal(reply.status, status, reply.text);
  }

  async function refusedOn(service: ServiceProcess, token: string): Promise<boolean> {
    const reply = await call(service.url, 'GET', '/v1/session', { token, timeoutMs: 15_000 });
    assert.ok(reply.status === 200 || reply.status === 401, reply.text);
    return reply.status === 401;
  }

  /** Refused on both instances now, and still refused over a few more checks. */
  async function staysRefused(token: string): Promise<void> {
    for (let round = 0; round < 10; round++) {
      for (const service of [a, b]) await expectStatus(service, token, 401);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('Redis killed and restarted with its data: nothing fails, revocations of the outage hold', async () => {
    const loggedOut = await cachedEverywhere();
    const changer = await cachedEverywhere();
    const otherDevice = await call(a.url, 'POST', '/v1/login', { body: { email: changer.email, password: changer.password } });
    await expectStatus(b, otherDevice.body.sessionToken, 200);
    const warm = load.total;
    await waitFor('load before the outage', () => load.total > warm + 50);

    await redis.stop();
    const logout = await call(a.url, 'POST', '/v1/logout', { token: loggedOut.sessionToken, timeoutMs: 15_000 });
    assert.equal(logout.status, 204, logout.text);
    const newPassword = strongPassword();
    const change = await call(b.url, 'POST', '/v1/password', {
      token: changer.sessionToken,
      body: { currentPassword: changer.password, newPassword },
      timeoutMs: 15_000,
    });
    assert.equal(change.status, 204, change.text);
    for (const service of [a, b]) {
      await waitFor('the revocations reach every instance during the outage', async () => {
        return (await refusedOn(service, loggedOut.sessionToken)) && (await refusedOn(service, otherDevice.body.sessionToken));
      }, REFUSAL_BOUND_MS);
    }
    const duringOutage = load.total;
    await waitFor('load during the outage', () => load.total > duringOutage + 50);

    await redis.start();
    await waitFor('both instances subscribed again', async () => (await subscribers(redis)) === 2, 20_000);
    await staysRefused(loggedOut.sessionToken);
    await staysRefused(otherDevice.body.sessionToken);
    await expectStatus(a, changer.sessionToken, 200);
    await expectStatus(b, changer.sessionToken, 200);
    const afterOutage = load.total;
    await waitFor('load after the outage', () => load.total > afterOutage + 50);
    assert.equal(load.unexpectedCount, 0, `unexpected answers: ${load.unexpected.join('; ')} (${load.summary()})`);
  });

  test('Redis frozen and resumed: nothing fails, a revocation of the freeze holds', async () => {
    const revoked = await cachedEverywhere();
    const kept = await cachedEverywhere();

    redis.pause();
    try {
      const logout = await call(a.url, 'POST', '/v1/logout', { token: revoked.sessionToken, timeoutMs: 15_000 });
      assert.equal(logout.status, 204, logout.text);
      await waitFor('the revocation reaches the other instance during the freeze', () => refusedOn(b, revoked.sessionToken), REFUSAL_BOUND_MS);
      const duringFreeze = load.total;
      await waitFor('load during the freeze', () => load.total > duringFreeze + 30, 30_000);
    } finally {
      redis.resume();
    }

    await staysRefused(revoked.sessionToken);
    await expectStatus(b, kept.sessionToken, 200);
    assert.equal(load.unexpectedCount, 0, `unexpected answers: ${load.unexpected.join('; ')} (${load.summary()})`);
  });

  test('after the faults the shared cache fills again and revocations travel at once', async () => {
    const client = new Redis(redis.url);
    try {
      await client.flushall();
      const account = await cachedEverywhere();
      await waitFor('sessions cached in Redis again', async () => (await client.keys(`${PREFIX}s:*`)).length > 0);
      const logout = await call(b.url, 'POST', '/v1/logout', { token: account.sessionToken, timeoutMs: 15_000 });
      assert.equal(logout.status, 204);
      await expectStatus(a, account.sessionToken, 401);
    } finally {
      client.disconnect();
    }

    await load.stop();
    assert.equal(load.unexpectedCount, 0, `unexpected answers: ${load.unexpected.join('; ')} (${load.summary()})`);
    process.stdout.write(`# load through the Redis faults: ${load.summary()}\n`);
    for (const service of [a, b]) {
      assert.deepEqual(faultLines(service.logs), [], 'no fault was logged');
    }
  });
});

async function subscribers(redis: PrivateRedis): Promise<number> {
  const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [, count] = (await client.pubsub('NUMSUB', `${PREFIX}revocations`)) as [string, number];
    return count;
  } catch {
    return 0;
  } finally {
    client.disconnect();
  }
}
