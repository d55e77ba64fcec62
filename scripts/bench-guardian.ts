/**
 * What account protection costs a login: the same service with protection on
 * (attempt counters, known-client lookups, request limits) and off, in one
 * run, on one machine, embedded SQLite and PostgreSQL. Logins alternate
 * between the two so that drift of the machine hits both alike.
 *
 *   node --import tsx scripts/bench-guardian.ts [logins=200]
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (TEST_POSTGRES_URL overrides); makes and
 * drops its own databases and data folders. Prints one line per engine and mode.
 * The client keeps its device cookie, as a returning browser does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres.js';

type Engine = 'sqlite' | 'postgres';

interface Target {
  readonly url: string;
  readonly times: number[];
  /** The device cookie, kept like a returning browser keeps it. */
  cookie: string;
  stop(): Promise<void>;
}

const LOGINS = Number(process.argv[2] ?? 200);
const EMAIL = 'bench@example.test';
const PASSWORD = 'orbit lantern benchmark meadow';

async function start(engine: Engine, protection: boolean): Promise<Target> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'astral-bench-'));
  const database: TestDatabase | undefined = engine === 'postgres' ? await createTestDatabase('astral_bench') : undefined;
  const config = loadConfig({
    ASTRAL_DATA_DIR: dataDir,
    ASTRAL_SECRET_KEY: randomBytes(32).toString('base64'),
    ASTRAL_COOKIE_SECURE: 'false',
    ASTRAL_RATE_LOGIN: '1000000',
    ASTRAL_RATE_REGISTER: '1000000',
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  const app: App = await createApp({ config, logger: createLogger('silent'), protection });
  const url = await app.server.listen({ host: '127.0.0.1', port: 0 });
  await post(url, '/v1/register', { email: EMAIL, password: PASSWORD });
  return {
    url,
    times: [],
    cookie: '',
    async stop() {
      await app.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function post(base: string, route: string, body: unknown, cookie = ''): Promise<Response> {
  const response = await fetch(new URL(route, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response;
}

async function timeLogin(target: Target): Promise<void> {
  const started = performance.now();
  const response = await post(target.url, '/v1/login', { email: EMAIL, password: PASSWORD }, target.cookie);
  target.times.push(performance.now() - started);
  if (response.status !== 200) throw new Error(`login answered ${response.status}`);
  const device = response.headers.getSetCookie().find((line) => line.startsWith('astral_device='));
  target.cookie = device?.split(';')[0] ?? target.cookie;
}

function percentile(times: number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(engine: Engine): Promise<void> {
  const on = await start(engine, true);
  const off = await start(engine, false);
  try {
    for (let i = 0; i < 10; i++) {
      await timeLogin(on);
      await timeLogin(off);
    }
    on.times.length = 0;
    off.times.length = 0;
    for (let i = 0; i < LOGINS; i++) {
      await timeLogin(on);
      await timeLogin(off);
    }
    for (const [mode, target] of [['on', on], ['off', off]] as const) {
      const line = `${engine.padEnd(8)} protection ${mode.padEnd(3)} logins ${target.times.length}` +
        `  p50 ${percentile(target.times, 50).toFixed(2)} ms  p95 ${percentile(target.times, 95).toFixed(2)} ms`;
      process.stdout.write(`${line}\n`);
    }
  } finally {
    await on.stop();
    await off.stop();
  }
}

for (const engine of ['sqlite', 'postgres'] as const) await measure(engine);
