import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { strongPassword, uniqueEmail } from '../helpers/http.js';
import { createDeployment, ServiceProcess, type Deployment } from '../helpers/service-process.js';
import { redisEnv } from '../helpers/service.js';

/**
 * ASTRAL_WORKERS: one port served by several processes (node:cluster), which
 * share revocations through Redis. Each request below opens its own
 * connection, so the primary hands them to the workers in turn.
 */
describe('ASTRAL_WORKERS', () => {
  let deployment: Deployment;
  let service: ServiceProcess;

  before(async () => {
    deployment = await createDeployment('postgres', { ...redisEnv(), ASTRAL_WORKERS: '2' });
    service = await ServiceProcess.start(deployment.env);
    await until(() => listening(service) === 2, 'both workers listen');
  });
  after(async () => {
    await service?.stop();
    await deployment?.remove();
  });

  test('needs Redis to carry revocations between workers', () => {
    assert.throws(() => loadConfig({ ASTRAL_WORKERS: '2' }), (error) => error instanceof ConfigError && /ASTRAL_WORKERS.*REDIS_URL/.test(error.message));
    assert.equal(loadConfig({ ASTRAL_WORKERS: '2', REDIS_URL: 'redis://127.0.0.1:6379' }).workers, 2);
  });

  test('both workers serve, and a logout in one is seen by the other', async () => {
    const email = uniqueEmail();
    const password = strongPassword();
    assert.equal((await send(service.url, 'POST', '/v1/register', { body: { email, password } })).status, 201);
    const login = await send(service.url, 'POST', '/v1/login', { body: { email, password } });
    const { sessionToken } = JSON.parse(login.text) as { sessionToken: string };

    for (let i = 0; i < 6; i++) assert.equal((await send(service.url, 'POST', '/v1/token', { token: sessionToken })).status, 200);
    const servedBy = new Set(requestLines(service).filter((line) => line.route === '/v1/token').map((line) => line.worker));
    assert.deepEqual([...servedBy].sort(), [1, 2], 'new connections go to both workers');

    for (let i = 0; i < 4; i++) assert.equal((await send(service.url, 'GET', '/v1/session', { token: sessionToken })).status, 200);
    assert.equal((await send(service.url, 'POST', '/v1/logout', { token: sessionToken })).status, 204);
    for (let i = 0; i < 4; i++) assert.equal((await send(service.url, 'GET', '/v1/session', { token: sessionToken })).status, 401);
  });

  test('a worker that dies is replaced, and the port keeps answering', async () => {
    const [victim] = workerPids(service.pid);
    assert.ok(victim, 'a worker process');
    process.kill(victim, 'SIGKILL');
    await until(() => service.logs.some((line) => line.includes('worker exited; starting another')), 'the primary notices');
    await until(() => listening(service) === 3, 'a new worker listens');
    assert.equal(workerPids(service.pid).length, 2);
    assert.equal((await send(service.url, 'GET', '/healthz')).status, 200);
  });

  test('SIGTERM drains every worker and the primary exits 0', async () => {
    const exit = await service.stop();
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal(service.logs.filter((line) => line.includes('"msg":"stopped"')).length, 3, 'two workers and the primary');
  });
});

interface Sent {
  readonly status: number;
  readonly text: string;
}

/** One request on a connection of its own (no agent, no keep-alive). */
function send(base: string, method: string, path: string, options: { body?: unknown; token?: string } = {}): Promise<Sent> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function listening(service: ServiceProcess): number {
  return service.logs.filter((line) => line.includes('astral-auth listening')).length;
}

function requestLines(service: ServiceProcess): Array<{ route?: string; worker?: number }> {
  return service.logs.filter((line) => line.includes('"msg":"request"')).map((line) => JSON.parse(line) as { route?: string; worker?: number });
}

/** The primary's children that serve (tsx also starts an esbuild helper). */
function workerPids(primary: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(primary)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(' serve'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
