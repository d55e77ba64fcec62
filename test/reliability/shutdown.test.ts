import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { createAccount, waitFor } from '../helpers/load.js';
import { createDeployment, queryDeployment, ServiceProcess, type Deployment } from '../helpers/service-process.js';
import { ENGINES, redisEnv, type Engine } from '../helpers/service.js';

/**
 * SIGTERM, as an orchestrator stops an instance: requests in flight finish
 * with their real answers, new ones are turned away instead of hanging, the
 * queued session last-seen writes reach the database, and the process exits
 * with 0 by itself.
 */
const deployments: Deployment[] = [];
const services: ServiceProcess[] = [];
after(async () => {
  await Promise.all(services.map((service) => service.kill()));
  await Promise.all(deployments.map((deployment) => deployment.remove()));
});

async function deploy(engine: Engine, extra: Record<string, string> = {}): Promise<ServiceProcess> {
  const deployment = await createDeployment(engine, { ...(engine === 'postgres' ? redisEnv() : {}), ...extra });
  deployments.push(deployment);
  const service = await ServiceProcess.start(deployment.env);
  services.push(service);
  return service;
}

test('SIGTERM lets slow logins in flight finish with 200, turns new requests away, and exits 0', async () => {
  // One hash at a time, each several times the default cost: the logins queue behind each other.
  const service = await deploy('postgres', { ASTRAL_HASH_CONCURRENCY: '1', ASTRAL_ARGON2_ITERATIONS: '40' });
  const email = uniqueEmail();
  const password = strongPassword();
  assert.equal((await call(service.url, 'POST', '/v1/register', { body: { email, password } })).status, 201);

  const inFlight = Array.from({ length: 5 }, () => call(service.url, 'POST', '/v1/login', { body: { email, password }, timeoutMs: 30_000 }));
  // Long enough for the requests to arrive, well short of the time their hashes take one after another.
  await new Promise((resolve) => setTimeout(resolve, 500));
  service.signal('SIGTERM');
  const exit = service.exited;
  await waitFor('the shutdown began', () => service.logs.some((line) => line.includes('"msg":"shutting down"')));

  const late = await call(service.url, 'GET', '/healthz', { timeoutMs: 5_000 }).then((reply) => reply.status, (error: Error) => error.name);
  assert.ok(late === 503 || late === 'TypeError', `a request after SIGTERM is turned away (${late})`);
  const replies = await Promise.all(inFlight);
  assert.deepEqual(replies.map((reply) => reply.status), [200, 200, 200, 200, 200]);
  const finishedAfterSigterm = service.logs.slice(service.logs.findIndex((line) => line.includes('"msg":"shutting down"')));
  assert.ok(finishedAfterSigterm.filter((line) => line.includes('"route":"/v1/login"')).length >= 2, 'logins were in flight');
  assert.deepEqual(await exit, { code: 0, signal: null }, service.tail());
  assert.ok(service.logs.some((line) => line.includes('"msg":"stopped"')), service.tail());
});

describe('SIGTERM flushes the queued session last-seen writes', () => {
  for (const engine of ENGINES) {
    test(`on ${engine}`, async () => {
      // A 10 s idle timeout moves last-seen once a session is a second old.
      const deployment = await createDeployment(engine, { ...(engine === 'postgres' ? redisEnv() : {}), ASTRAL_SESSION_IDLE_TIMEOUT: '10s' });
      deployments.push(deployment);
      const service = await ServiceProcess.start(deployment.env);
      services.push(service);
      const accounts = [];
      for (let i = 0; i < 4; i++) accounts.push(await createAccount(service.url));
      const loggedInBy = Date.now();
      await waitFor('the sessions are over a second old', () => Date.now() - loggedInBy > 1_100);

      const checkedAt = Date.now();
      for (const account of accounts) {
        assert.equal((await call(service.url, 'GET', '/v1/session', { token: account.sessionToken })).status, 200);
      }
      service.signal('SIGTERM');
      assert.deepEqual(await service.exited, { code: 0, signal: null });

      const lastSeen = await lastSeenTimes(deployment);
      assert.equal(lastSeen.length, accounts.length);
      for (const at of lastSeen) assert.ok(at >= checkedAt, `last seen ${new Date(at).toISOString()}, checked at ${new Date(checkedAt).toISOString()}`);
    });
  }
});

async function lastSeenTimes(deployment: Deployment): Promise<number[]> {
  const rows = await queryDeployment<{ at: number | Date }>(deployment, 'SELECT "lastSeenAt" AS at FROM sessions');
  return rows.map((row) => (row.at instanceof Date ? row.at.getTime() : row.at));
}
