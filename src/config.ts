import { availableParallelism } from 'node:os';
import path from 'node:path';

/**
 * Every setting of the service, read from the environment once at start and
 * validated there: a wrong value stops the service with one line naming the
 * setting and what it allows. README.md lists the same settings; a test keeps
 * the two in step.
 */
export class ConfigError extends Error {
  constructor(setting: string, expected: string) {
    super(`invalid setting ${setting}: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export interface SettingDoc {
  readonly name: string;
  readonly fallback: string;
  readonly description: string;
}

export const SETTINGS: readonly SettingDoc[] = [
  { name: 'ASTRAL_HOST', fallback: '127.0.0.1', description: 'Address to listen on.' },
  { name: 'ASTRAL_PORT', fallback: '8080', description: 'Port to listen on (0 picks a free one).' },
  { name: 'ASTRAL_DATA_DIR', fallback: './data', description: 'Folder of the embedded SQLite database and, without ASTRAL_SECRET_KEY, the generated secret key.' },
  { name: 'DATABASE_URL', fallback: '(unset: embedded SQLite)', description: 'PostgreSQL connection URL; when set, PostgreSQL holds all state.' },
  { name: 'DATABASE_POOL_MAX', fallback: '10', description: 'Most PostgreSQL connections one instance opens (1-100).' },
  { name: 'DATABASE_CONNECT_TIMEOUT', fallback: '2s', description: 'How long a request waits for a PostgreSQL connection before failing with 503.' },
  { name: 'DATABASE_STATEMENT_TIMEOUT', fallback: '5s', description: 'Longest a PostgreSQL statement may run.' },
  { name: 'REDIS_URL', fallback: '(unset: in-process only)', description: 'Redis URL; when set, caches, counters and revocations are shared by every instance.' },
  { name: 'ASTRAL_REDIS_PREFIX', fallback: 'astral:', description: 'Prefix of every Redis key and channel, so several deployments can share one Redis.' },
  { name: 'ASTRAL_CACHE_MAX_SESSIONS', fallback: '100000', description: 'Sessions kept in each instance\'s memory (L1).' },
  { name: 'ASTRAL_CACHE_TTL', fallback: '5m', description: 'How long a cached session is trusted while revocations arrive through Redis (or always, without Redis).' },
  { name: 'ASTRAL_CACHE_DEGRADED_TTL', fallback: '2s', description: 'How long a cached session is trusted while Redis is unreachable.' },
  { name: 'ASTRAL_REVOCATION_ACK_TIMEOUT', fallback: '250ms', description: 'Longest a revoking request waits for the other instances to confirm they dropped the session.' },
  { name: 'ASTRAL_MIGRATE_ON_START', fallback: 'true', description: 'Apply pending migrations when the service starts.' },
  { name: 'ASTRAL_SECRET_KEY', fallback: '(generated in ASTRAL_DATA_DIR for SQLite; required with DATABASE_URL)', description: 'Base64 of 32 random bytes; encrypts signing keys and other secrets at rest.' },
  { name: 'ASTRAL_JWT_ISSUER', fallback: 'astral-auth', description: '`iss` of access tokens.' },
  { name: 'ASTRAL_JWT_AUDIENCE', fallback: 'astral-auth', description: '`aud` of access tokens.' },
  { name: 'ASTRAL_JWT_ALG', fallback: 'EdDSA', description: 'Signing algorithm of new keys: EdDSA (Ed25519) or ES256.' },
  { name: 'ASTRAL_ACCESS_TOKEN_TTL', fallback: '5m', description: 'Lifetime of an access token (10s-1h).' },
  { name: 'ASTRAL_SESSION_LIFETIME', fallback: '7d', description: 'Absolute lifetime of a session.' },
  { name: 'ASTRAL_SESSION_IDLE_TIMEOUT', fallback: '24h', description: 'A session unused this long ends.' },
  { name: 'ASTRAL_COOKIE_SECURE', fallback: 'true', description: 'Secure, __Host- prefixed session cookie; false only for plain-HTTP development.' },
  { name: 'ASTRAL_ALLOWED_ORIGINS', fallback: '(none: same origin only)', description: 'Comma-separated origins allowed to make cookie-authenticated state changes.' },
  { name: 'ASTRAL_TRUSTED_PROXIES', fallback: '(none)', description: 'Comma-separated addresses or CIDR ranges whose X-Forwarded-For is believed.' },
  { name: 'ASTRAL_DEFAULT_ROLE', fallback: 'user', description: 'Role given to every new account.' },
  { name: 'ASTRAL_PASSWORD_MIN_LENGTH', fallback: '15', description: 'Fewest characters of a new password (at least 8).' },
  { name: 'ASTRAL_PASSWORD_MAX_LENGTH', fallback: '256', description: 'Most characters of a password (64-1024), checked before hashing.' },
  { name: 'ASTRAL_ARGON2_MEMORY_KIB', fallback: '19456', description: 'argon2id memory cost in KiB (at least 19456).' },
  { name: 'ASTRAL_ARGON2_ITERATIONS', fallback: '2', description: 'argon2id passes (at least 2).' },
  { name: 'ASTRAL_ARGON2_PARALLELISM', fallback: '1', description: 'argon2id lanes (1-16).' },
  { name: 'ASTRAL_HASH_CONCURRENCY', fallback: '(number of cores)', description: 'Password hashes computed at once.' },
  { name: 'ASTRAL_HASH_QUEUE_MAX', fallback: '64', description: 'Hashes allowed to wait; beyond it logins get 503 with Retry-After.' },
  { name: 'ASTRAL_BODY_LIMIT', fallback: '16384', description: 'Largest request body in bytes (1024-65536).' },
  { name: 'ASTRAL_REQUEST_TIMEOUT', fallback: '10s', description: 'Longest a client may take to send a whole request, headers and body (1s-10m); a slower one gets 408 and is disconnected.' },
  { name: 'ASTRAL_LOG_LEVEL', fallback: 'info', description: 'fatal, error, warn, info, debug, trace or silent.' },
];

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly databasePoolMax: number;
  readonly databaseConnectTimeoutMs: number;
  readonly databaseStatementTimeoutMs: number;
  readonly redisUrl: string | null;
  readonly redisPrefix: string;
  readonly cache: { maxSessions: number; ttlMs: number; degradedTtlMs: number };
  readonly revocationAckTimeoutMs: number;
  readonly migrateOnStart: boolean;
  readonly secretKey: Buffer | null;
  readonly jwt: { issuer: string; audience: string; alg: 'EdDSA' | 'ES256'; ttlMs: number };
  readonly session: { absoluteLifetimeMs: number; idleTimeoutMs: number };
  readonly cookieSecure: boolean;
  readonly allowedOrigins: readonly string[];
  readonly trustedProxies: readonly string[];
  readonly defaultRole: string;
  readonly password: { minLength: number; maxLength: number };
  readonly argon2: { memoryKiB: number; iterations: number; parallelism: number };
  readonly hashConcurrency: number;
  readonly hashQueueMax: number;
  readonly bodyLimit: number;
  readonly requestTimeoutMs: number;
  readonly logLevel: string;
}

export function loadConfig(env: Env = process.env): Config {
  const read = reader(env);
  const databaseUrl = read.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']);
  return {
    host: read.text('ASTRAL_HOST', '127.0.0.1'),
    port: read.integer('ASTRAL_PORT', 8080, 0, 65535),
    dataDir: path.resolve(read.text('ASTRAL_DATA_DIR', './data')),
    databaseUrl,
    databasePoolMax: read.integer('DATABASE_POOL_MAX', 10, 1, 100),
    databaseConnectTimeoutMs: read.duration('DATABASE_CONNECT_TIMEOUT', '2s', 100, 60_000),
    databaseStatementTimeoutMs: read.duration('DATABASE_STATEMENT_TIMEOUT', '5s', 100, 600_000),
    redisUrl: read.optionalUrl('REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: read.text('ASTRAL_REDIS_PREFIX', 'astral:'),
    cache: {
      maxSessions: read.integer('ASTRAL_CACHE_MAX_SESSIONS', 100_000, 1, 10_000_000),
      ttlMs: read.duration('ASTRAL_CACHE_TTL', '5m', 0, 3_600_000),
      degradedTtlMs: read.duration('ASTRAL_CACHE_DEGRADED_TTL', '2s', 0, 60_000),
    },
    revocationAckTimeoutMs: read.duration('ASTRAL_REVOCATION_ACK_TIMEOUT', '250ms', 0, 10_000),
    migrateOnStart: read.boolean('ASTRAL_MIGRATE_ON_START', true),
    secretKey: read.secretKey('ASTRAL_SECRET_KEY'),
    jwt: {
      issuer: read.text('ASTRAL_JWT_ISSUER', 'astral-auth'),
      audience: read.text('ASTRAL_JWT_AUDIENCE', 'astral-auth'),
      alg: read.choice('ASTRAL_JWT_ALG', 'EdDSA', ['EdDSA', 'ES256'] as const),
      ttlMs: read.duration('ASTRAL_ACCESS_TOKEN_TTL', '5m', 10_000, 3_600_000),
    },
    session: {
      absoluteLifetimeMs: read.duration('ASTRAL_SESSION_LIFETIME', '7d', 60_000, 400 * DAY),
      idleTimeoutMs: read.duration('ASTRAL_SESSION_IDLE_TIMEOUT', '24h', 10_000, 400 * DAY),
    },
    cookieSecure: read.boolean('ASTRAL_COOKIE_SECURE', true),
    allowedOrigins: read.list('ASTRAL_ALLOWED_ORIGINS').map((origin) => checkOrigin(origin)),
    trustedProxies: read.list('ASTRAL_TRUSTED_PROXIES'),
    defaultRole: read.text('ASTRAL_DEFAULT_ROLE', 'user'),
    password: {
      minLength: read.integer('ASTRAL_PASSWORD_MIN_LENGTH', 15, 8, 64),
      maxLength: read.integer('ASTRAL_PASSWORD_MAX_LENGTH', 256, 64, 1024),
    },
    argon2: {
      memoryKiB: read.integer('ASTRAL_ARGON2_MEMORY_KIB', 19_456, 19_456, 4_194_304),
      iterations: read.integer('ASTRAL_ARGON2_ITERATIONS', 2, 2, 64),
      parallelism: read.integer('ASTRAL_ARGON2_PARALLELISM', 1, 1, 16),
    },
    hashConcurrency: read.integer('ASTRAL_HASH_CONCURRENCY', availableParallelism(), 1, 256),
    hashQueueMax: read.integer('ASTRAL_HASH_QUEUE_MAX', 64, 0, 100_000),
    bodyLimit: read.integer('ASTRAL_BODY_LIMIT', 16_384, 1_024, 65_536),
    requestTimeoutMs: read.duration('ASTRAL_REQUEST_TIMEOUT', '10s', 1_000, 600_000),
    logLevel: read.choice('ASTRAL_LOG_LEVEL', 'info', LOG_LEVELS),
  };
}

const DAY = 86_400_000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DURATION = /^(\d+)(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: DAY };

function reader(env: Env) {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === '' ? undefined : raw;
  };

  return {
    text(name: string, fallback: string): string {
      return value(name) ?? fallback;
    },

    integer(name: string, fallback: number, min: number, max: number): number {
      const raw = value(name);
      if (raw === undefined) return fallback;
      const parsed = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!(parsed >= min && parsed <= max)) {
        throw new ConfigError(name, `a whole number from ${min} to ${max}`);
      }
      return parsed;
    },

    duration(name: string, fallback: string, minMs: number, maxMs: number): number {
      const match = DURATION.exec(value(name) ?? fallback);
      const ms = match ? Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? NaN) : NaN;
      if (!(ms >= minMs && ms <= maxMs)) {
        throw new ConfigError(name, `a duration such as 500ms, 30s, 15m, 24h or 7d, from ${minMs} ms to ${maxMs} ms`);
      }
      return ms;
    },

    boolean(name: string, fallback: boolean): boolean {
      const raw = value(name)?.toLowerCase();
      if (raw === undefined) return fallback;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new ConfigError(name, 'true or false');
    },

    choice<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
      const raw = value(name) ?? fallback;
      if (!allowed.includes(raw as T)) throw new ConfigError(name, `one of ${allowed.join(', ')}`);
      return raw as T;
    },

    list(name: string): string[] {
      return (value(name) ?? '').split(',').map((item) => item.trim()).filter(Boolean);
    },

    optionalUrl(name: string, protocols: readonly string[]): string | null {
      const raw = value(name);
      if (raw === undefined) return null;
      if (!URL.canParse(raw) || !protocols.includes(new URL(raw).protocol)) {
        throw new ConfigError(name, `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      }
      return raw;
    },

    secretKey(name: string): Buffer | null {
      const raw = value(name);
      if (raw === undefined) return null;
      const key = Buffer.from(raw, 'base64');
      // Node's decoder skips what is not base64; only a value that encodes back to itself is a key.
      if (key.length !== 32 || key.toString('base64') !== raw) {
        throw new ConfigError(name, 'base64 of exactly 32 bytes (openssl rand -base64 32)');
      }
      return key;
    },
  };
}

function checkOrigin(origin: string): string {
  if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
    throw new ConfigError('ASTRAL_ALLOWED_ORIGINS', 'origins such as https://app.example.com (scheme, host, optional port; no path)');
  }
  return origin;
}
