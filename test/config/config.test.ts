import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { refuses } from '../helpers/config.js';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('loadConfig: defaults', () => {
  const config = loadConfig({});

  test('network and storage', () => {
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.equal(config.databaseUrl, null);
    assert.equal(config.databasePoolMax, 10);
    assert.equal(config.databaseConnectTimeoutMs, 2_000);
    assert.equal(config.databaseStatementTimeoutMs, 5_000);
    assert.equal(config.migrateOnStart, true);
    assert.equal(config.secretKey, null);
  });

  test('tokens and sessions', () => {
    assert.deepEqual(config.jwt, { issuer: 'astral-auth', audience: 'astral-auth', alg: 'EdDSA', ttlMs: 300_000, activationDelayMs: 120_000 });
    assert.deepEqual(config.session, { absoluteLifetimeMs: 7 * 86_400_000, idleTimeoutMs: 24 * 3_600_000 });
    assert.equal(config.cookieSecure, true);
    assert.deepEqual(config.allowedOrigins, []);
    assert.deepEqual(config.trustedProxies, []);
  });

  test('passwords and hashing', () => {
    assert.equal(config.defaultRole, 'user');
    assert.deepEqual(config.password, { minLength: 15, maxLength: 256 });
    assert.deepEqual(config.argon2, { memoryKiB: 19_456, iterations: 2, parallelism: 1 });
    assert.equal(config.hashConcurrency, availableParallelism());
    assert.equal(config.hashQueueMax, 64);
    assert.equal(config.bodyLimit, 16_384);
    assert.equal(config.requestTimeoutMs, 10_000);
    assert.equal(config.logLevel, 'info');
  });

  test('empty and blank values fall back to the default', () => {
    const blank = loadConfig({ ASTRAL_PORT: '', ASTRAL_PASSWORD_MIN_LENGTH: '   ', DATABASE_URL: '' });
    assert.equal(blank.port, 8080);
    assert.equal(blank.password.minLength, 15);
    assert.equal(blank.databaseUrl, null);
  });
});

describe('loadConfig: values given', () => {
  test('numbers, booleans, lists and choices', () => {
    const config = loadConfig({
      ASTRAL_PORT: '0',
      ASTRAL_PASSWORD_MIN_LENGTH: ' 8 ',
      ASTRAL_PASSWORD_MAX_LENGTH: '64',
      ASTRAL_COOKIE_SECURE: 'FALSE',
      ASTRAL_MIGRATE_ON_START: '0',
      ASTRAL_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:3000',
      ASTRAL_TRUSTED_PROXIES: '10.0.0.0/8,,192.168.1.1',
      ASTRAL_JWT_ALG: 'ES256',
      ASTRAL_LOG_LEVEL: 'silent',
      ASTRAL_HASH_QUEUE_MAX: '0',
    });
    assert.equal(config.port, 0);
    assert.deepEqual(config.password, { minLength: 8, maxLength: 64 });
    assert.equal(config.cookieSecure, false);
    assert.equal(config.migrateOnStart, false);
    assert.deepEqual(config.allowedOrigins, ['https://app.example.com', 'http://localhost:3000']);
    assert.deepEqual(config.trustedProxies, ['10.0.0.0/8', '192.168.1.1']);
    assert.equal(config.jwt.alg, 'ES256');
    assert.equal(config.logLevel, 'silent');
    assert.equal(config.hashQueueMax, 0);
  });

  test('DATABASE_URL with postgres: or postgresql:', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1/db' }).databaseUrl, 'postgres://u@127.0.0.1/db');
    assert.equal(loadConfig({ DATABASE_URL: 'postgresql://u@127.0.0.1/db' }).databaseUrl, 'postgresql://u@127.0.0.1/db');
  });

  test('ASTRAL_SECRET_KEY of 32 bytes in base64', () => {
    assert.deepEqual(loadConfig({ ASTRAL_SECRET_KEY: KEY }).secretKey, Buffer.alloc(32, 1));
  });
});

describe('loadConfig: durations', () => {
  const lifetime = (value: string) => loadConfig({ ASTRAL_SESSION_LIFETIME: value }).session.absoluteLifetimeMs;
  const connect = (value: string) => loadConfig({ DATABASE_CONNECT_TIMEOUT: value }).databaseConnectTimeoutMs;

  test('every unit', () => {
    assert.equal(connect('500ms'), 500);
    assert.equal(connect('30s'), 30_000);
    assert.equal(lifetime('15m'), 900_000);
    assert.equal(lifetime('24h'), 86_400_000);
    assert.equal(lifetime('7d'), 604_800_000);
  });

  test('a bare number is milliseconds', () => {
    assert.equal(connect('1500'), 1_500);
  });

  test('bounds are inclusive', () => {
    assert.equal(loadConfig({ ASTRAL_ACCESS_TOKEN_TTL: '10s' }).jwt.ttlMs, 10_000);
    assert.equal(loadConfig({ ASTRAL_ACCESS_TOKEN_TTL: '1h' }).jwt.ttlMs, 3_600_000);
    assert.equal(lifetime('400d'), 400 * 86_400_000);
  });
});

describe('loadConfig: bad values name their setting', () => {
  test('a port that is not a number, or out of range', () => {
    refuses({ ASTRAL_PORT: 'abc' }, 'ASTRAL_PORT');
    refuses({ ASTRAL_PORT: '-1' }, 'ASTRAL_PORT');
    refuses({ ASTRAL_PORT: '65536' }, 'ASTRAL_PORT');
    refuses({ ASTRAL_PORT: '80.5' }, 'ASTRAL_PORT');
    refuses({ ASTRAL_PORT: '0x50' }, 'ASTRAL_PORT');
  });

  test('a password floor below 8 or a ceiling outside 64-1024', () => {
    refuses({ ASTRAL_PASSWORD_MIN_LENGTH: '7' }, 'ASTRAL_PASSWORD_MIN_LENGTH');
    refuses({ ASTRAL_PASSWORD_MAX_LENGTH: '63' }, 'ASTRAL_PASSWORD_MAX_LENGTH');
    refuses({ ASTRAL_PASSWORD_MAX_LENGTH: '1025' }, 'ASTRAL_PASSWORD_MAX_LENGTH');
  });

  test('argon2 cost below the OWASP floor', () => {
    refuses({ ASTRAL_ARGON2_MEMORY_KIB: '1024' }, 'ASTRAL_ARGON2_MEMORY_KIB');
    refuses({ ASTRAL_ARGON2_ITERATIONS: '1' }, 'ASTRAL_ARGON2_ITERATIONS');
    refuses({ ASTRAL_ARGON2_PARALLELISM: '0' }, 'ASTRAL_ARGON2_PARALLELISM');
  });

  test('a duration with an unknown unit, a fraction, or out of range', () => {
    refuses({ ASTRAL_SESSION_LIFETIME: '5x' }, 'ASTRAL_SESSION_LIFETIME');
    refuses({ ASTRAL_SESSION_LIFETIME: '1.5h' }, 'ASTRAL_SESSION_LIFETIME');
    refuses({ ASTRAL_SESSION_LIFETIME: '30s' }, 'ASTRAL_SESSION_LIFETIME'); // below 1 minute
    refuses({ ASTRAL_SESSION_LIFETIME: '401d' }, 'ASTRAL_SESSION_LIFETIME');
    refuses({ ASTRAL_SESSION_IDLE_TIMEOUT: '-5m' }, 'ASTRAL_SESSION_IDLE_TIMEOUT');
    refuses({ ASTRAL_ACCESS_TOKEN_TTL: '2h' }, 'ASTRAL_ACCESS_TOKEN_TTL');
    refuses({ DATABASE_CONNECT_TIMEOUT: '0' }, 'DATABASE_CONNECT_TIMEOUT');
  });

  test('a database URL of another engine or no URL at all', () => {
    refuses({ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL');
    refuses({ DATABASE_URL: 'localhost:5432/db' }, 'DATABASE_URL');
  });

  test('a secret key that is not 32 bytes', () => {
    refuses({ ASTRAL_SECRET_KEY: 'short' }, 'ASTRAL_SECRET_KEY');
    refuses({ ASTRAL_SECRET_KEY: Buffer.alloc(31).toString('base64') }, 'ASTRAL_SECRET_KEY');
    refuses({ ASTRAL_SECRET_KEY: Buffer.alloc(32).toString('hex') }, 'ASTRAL_SECRET_KEY');
  });

  test('an allowed origin with a path, a trailing slash, or no scheme', () => {
    refuses({ ASTRAL_ALLOWED_ORIGINS: 'https://a.com/path' }, 'ASTRAL_ALLOWED_ORIGINS');
    refuses({ ASTRAL_ALLOWED_ORIGINS: 'https://a.com/' }, 'ASTRAL_ALLOWED_ORIGINS');
    refuses({ ASTRAL_ALLOWED_ORIGINS: 'a.com' }, 'ASTRAL_ALLOWED_ORIGINS');
    refuses({ ASTRAL_ALLOWED_ORIGINS: 'https://ok.com,https://a.com?x=1' }, 'ASTRAL_ALLOWED_ORIGINS');
  });

  test('booleans other than true/false/1/0', () => {
    refuses({ ASTRAL_COOKIE_SECURE: 'yes' }, 'ASTRAL_COOKIE_SECURE');
    refuses({ ASTRAL_MIGRATE_ON_START: 'off' }, 'ASTRAL_MIGRATE_ON_START');
  });

  test('choices outside their list', () => {
    refuses({ ASTRAL_JWT_ALG: 'HS256' }, 'ASTRAL_JWT_ALG');
    refuses({ ASTRAL_JWT_ALG: 'none' }, 'ASTRAL_JWT_ALG');
    refuses({ ASTRAL_LOG_LEVEL: 'verbose' }, 'ASTRAL_LOG_LEVEL');
  });

  test('pool, queue and body limits out of range', () => {
    refuses({ DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX');
    refuses({ ASTRAL_HASH_CONCURRENCY: '0' }, 'ASTRAL_HASH_CONCURRENCY');
    refuses({ ASTRAL_BODY_LIMIT: '100' }, 'ASTRAL_BODY_LIMIT');
    refuses({ ASTRAL_BODY_LIMIT: '1e4' }, 'ASTRAL_BODY_LIMIT');
    refuses({ ASTRAL_REQUEST_TIMEOUT: '0' }, 'ASTRAL_REQUEST_TIMEOUT');
    refuses({ ASTRAL_REQUEST_TIMEOUT: '1h' }, 'ASTRAL_REQUEST_TIMEOUT');
  });

  test('the message says what is allowed', () => {
    assert.throws(() => loadConfig({ ASTRAL_PORT: 'abc' }), {
      name: 'ConfigError',
      message: 'invalid setting ASTRAL_PORT: expected a whole number from 0 to 65535',
    });
  });
});

describe('regressions: secret key', () => {
  test('text that only decodes to 32 bytes by skipping characters is refused', () => {
    assert.throws(() => loadConfig({ ASTRAL_SECRET_KEY: 'correcthorsebatterystaplecorrecthorsebattey' }), ConfigError);
    const key = Buffer.alloc(32, 9).toString('base64');
    assert.throws(() => loadConfig({ ASTRAL_SECRET_KEY: `!!${key}!!` }), ConfigError);
    assert.equal(loadConfig({ ASTRAL_SECRET_KEY: key }).secretKey?.length, 32);
  });
});
