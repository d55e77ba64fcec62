import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { call, strongPassword, uniqueEmail, type Reply } from '../helpers/http.js';
import { createAccount, Load, waitFor, type Account, type Outcome } from '../helpers/load.js';
import { PrivatePostgres } from '../helpers/private-postgres.js';
import { createDeployment, faultLines, ServiceProcess, type Deployment } from '../helpers/service-process.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * PostgreSQL fails under the service (a child process on a private cluster,
 * reached through a proxy that can freeze the connection): stopped as by a
 * crash, and frozen with every connection left open. Meanwhile /readyz says
 * unready, and whatever needs the database fails fast with 503 `unavailable`
 * and Retry-After instead of hanging; sessions held in memory keep being
 * answered. When the database is back, the service resumes by itself.
 */
// Settings of the service under test, and the longest an answer may take while the database is away.
const CONNECT_TIMEOUT = '1s';
const STATEMENT_TIMEOUT = '1s';
const ANSWER_BOUND_MS = 4_000;

describe('PostgreSQL faults', () => {
  let cluster: PrivatePostgres;
  let proxy: TcpProxy;
  let deployment: Deployment;
  let service: ServiceProcess;
  let cached: Account;

  before(async () => {
    cluster = await PrivatePostgres.create();
    proxy = await TcpProxy.start(cluster.port);
    const viaProxy = cluster.url().replace(`:${cluster.port}/`, `:${proxy.port}/`);
    deployment = await createDeployment('postgres', { DATABASE_CONNECT_TIMEOUT: CONNECT_TIMEOUT, DATABASE_STATEMENT_TIMEOUT: STATEMENT_TIMEOUT }, viaProxy);
    service = await ServiceProcess.start(deployment.env);
    cached = await createAccount(service.url);
  });

  after(async () => {
    proxy?.thaw();
    await service?.stop();
    await deployment?.remove().catch(() => undefined);
    await proxy?.close();
    await cluster?.destroy();
  });

  /** One call, bounded: it must answer, and within the bound. */
  async function timed(method: string, path: string, options: Parameters<typeof call>[3] = {}): Promise<Reply> {
    const started = performance.now();
    const reply = await call(service.url, method, path, { ...options, timeoutMs: 30_000 });
    const took = performance.now() - started;
    assert.ok(took < ANSWER_BOUND_MS, `${method} ${path} took ${Math.round(took)} ms`);
    return reply;
  }

  function assertUnavailable(reply: Reply): void {
    assert.equal(reply.status, 503, reply.text);
    assert.equal(reply.body.error.code, 'unavailable');
    assert.equal(reply.headers.get('retry-after'), '1');
  }

  /** What must hold while the database is away, however it went. */
  async function checkWhileAway(): Promise<void> {
    assertUnavailable(await timed('GET', '/readyz'));
    assertUnavailable(await timed('POST', '/v1/login', { body: { email: cached.email, password: cached.password } }));
    assertUnavailable(await timed('POST', '/v1/register', { body: { email: uniqueEmail(), password: strongPassword() } }));
    assertUnavailable(await timed('GET', '/v1/session', { token: `ast_${randomBytes(32).toString('base64url')}` }));
    assertUnavailable(await timed('POST', '/v1/logout', { token: cached.sessionToken }));
    assertUnavailable(await timed('POST', '/v1/password', { token: cached.sessionToken, body: { currentPassword: cached.password, newPassword: strongPassword() } }));
    assert.equal((await timed('GET', '/v1/session', { token: cached.sessionToken })).status, 200, 'a session in memory is still answered');
  }

  async function checkResumed(): Promise<void> {
    await waitFor('ready again', async () => (await call(service.url, 'GET', '/readyz', { timeoutMs: 10_000 })).status === 200, 30_000);
    const fresh = await createAccount(service.url);
    assert.equal((await call(service.url, 'GET', '/v1/session', { token: fresh.sessionToken })).status, 200);
    assert.equal((await call(service.url, 'POST', '/v1/login', { body: { email: cached.email, password: cached.password } })).status, 200);
    assert.equal((await call(service.url, 'GET', '/v1/session', { token: cached.sessionToken })).status, 200, 'the failed logout ended nothing');
  }

  /** Background traffic: every answer is a success or a 503, never a 500 and never late. */
  function boundedLoad(): Load {
    return new Load(3, async (): Promise<Outcome> => {
      const started = performance.now();
      const reply = Math.random() < 0.8
        ? await call(service.url, 'GET', '/v1/session', { token: cached.sessionToken, timeoutMs: 30_000 })
        : await call(service.url, 'POST', '/v1/login', { body: { email: cached.email, password: cached.password }, timeoutMs: 30_000 });
      const late = performance.now() - started >= ANSWER_BOUND_MS;
      const label = `${late ? 'late ' : ''}${reply.status}${reply.status === 503 ? ` ${reply.body?.error?.code}` : ''}`;
      return { label, expected: !late && (reply.status === 200 || label === '503 unavailable') };
    });
  }

  test('stopped (crash) and restarted: unready, fast 503s, then resumes by itself', async () => {
    assert.equal((await call(service.url, 'GET', '/readyz')).status, 200);
    const load = boundedLoad();
    try {
      await cluster.stop('immediate');
      await checkWhileAway();
      await cluster.start();
      await checkResumed();
    } finally {
      await load.stop();
    }
    assert.equal(load.unexpectedCount, 0, `unexpected answers: ${load.unexpected.join('; ')} (${load.summary()})`);
    assert.ok(load.counts.get('503 unavailable'), `the load met the outage (${load.summary()})`);
  });

  test('frozen with connections open: unready, fast 503s, then resumes by itself', async () => {
    const load = boundedLoad();
    try {
      proxy.freeze();
      await checkWhileAway();
      proxy.thaw();
      await checkResumed();
    } finally {
      proxy.thaw();
      await load.stop();
    }
    assert.equal(load.unexpectedCount, 0, `unexpected answers: ${load.unexpected.join('; ')} (${load.summary()})`);
    assert.deepEqual(faultLines(service.logs), [], 'no fault was logged');
  });
});
