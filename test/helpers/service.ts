import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import type { TestClock } from './clock.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export type Engine = 'sqlite' | 'postgres';
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export interface RunningService {
  readonly url: string;
  readonly app: App;
  /** The settings it runs with; another instance started with `join` shares its database and keys. */
  readonly env: Readonly<Record<string, string>>;
  /** Every log line the service wrote, as text. */
  readonly logs: string[];
  stop(): Promise<void>;
}

export interface ServiceOptions {
  readonly env?: Record<string, string>;
  readonly clock?: TestClock;
  /** Join the database (and secret key) of a running service instead of making a new one. */
  readonly join?: RunningService;
  readonly protection?: boolean;
}

/** A Redis key prefix of its own, so parallel test files never see each other's keys. */
export function redisEnv(): Record<string, string> {
  return { REDIS_URL: TEST_REDIS_URL, ASTRAL_REDIS_PREFIX: `astral-test-${randomBytes(6).toString('hex')}:` };
}

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Request limits high enough that suites about other things never meet them;
 * suites about limits set their own.
 */
export const ROOMY_LIMITS: Record<string, string> = {
  ASTRAL_RATE_LOGIN: '100000',
  ASTRAL_RATE_REGISTER: '100000',
  ASTRAL_RATE_PASSWORD: '100000',
  ASTRAL_RATE_MAIL: '100000',
  ASTRAL_RATE_MFA: '100000',
  ASTRAL_RATE_ADMIN: '100000',
  ASTRAL_RATE_GENERAL: '100000',
  // Suites that log one user in many times are not about the session cap.
  ASTRAL_MAX_SESSIONS: '100',
};

/** Lockout thresholds out of the way, for suites that send many failures on purpose about something else. */
export const ROOMY_LOCKOUT: Record<string, string> = {
  ASTRAL_LOCKOUT_PAIR_FREE: '100',
  ASTRAL_LOCKOUT_ACCOUNT_LIMIT: '100',
  ASTRAL_LOCKOUT_ADDRESS_FREE: '100000',
};

/**
 * A real astral-auth on a free loopback port, on its own SQLite folder or
 * PostgreSQL database, made here and removed by `stop`.
 */
export async function startService(engine: Engine, options: ServiceOptions = {}): Promise<RunningService> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'astral-test-'));
  const database = engine === 'postgres' && !options.join ? await createTestDatabase() : undefined;
  const env: Record<string, string> = {
    ...ROOMY_LIMITS,
    ASTRAL_PORT: '0',
    ASTRAL_COOKIE_SECURE: 'false',
    ASTRAL_LOG_LEVEL: 'debug',
    ASTRAL_SECRET_KEY: randomBytes(32).toString('base64'),
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...options.join?.env,
    ASTRAL_DATA_DIR: options.join?.env.ASTRAL_DATA_DIR ?? dataDir,
    ...options.env,
  };
  const logs: string[] = [];
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, collect(logs));
  const app = await createApp({
    config,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.protection === false ? { protection: false } : {}),
  });
  const url = await app.server.listen({ host: '127.0.0.1', port: 0 });
  // A service that made its store also owns what it left in the shared Redis; one that joined does not.
  const owned = options.join ? undefined : env;
  return { url, app, env, logs, stop: () => stopAll(app, dataDir, database, owned) };
}

async function stopAll(app: App, dataDir: string, database: TestDatabase | undefined, owned: Record<string, string> | undefined): Promise<void> {
  await app.close();
  await database?.drop();
  if (owned) await dropRedisKeysOf(owned);
  rmSync(dataDir, { recursive: true, force: true });
}

/** Deletes the keys a test's services left in the shared test Redis under their prefix; private Redis servers go whole. */
export async function dropRedisKeysOf(env: Readonly<Record<string, string>>): Promise<void> {
  const prefix = env.ASTRAL_REDIS_PREFIX;
  if (env.REDIS_URL !== TEST_REDIS_URL || !prefix) return;
  await dropRedisPrefixAt(TEST_REDIS_URL, prefix);
}

export async function dropRedisPrefixAt(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

function collect(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
}
