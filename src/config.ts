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
  { name: 'ASTRAL_LOG_LEVEL', fallback: 'info', description: 'fatal, error, warn, info, debug, trace or silent.' },
  { name: 'ASTRAL_LOG_PRETTY', fallback: 'false', description: 'Human-readable log lines instead of JSON, for development (needs the pino-pretty development dependency).' },
  { name: 'ASTRAL_LOG_SLOW_REQUEST', fallback: '500ms', description: 'A request slower than this is logged at warn (0 turns it off).' },
  { name: 'ASTRAL_LOG_SLOW_QUERY', fallback: '100ms', description: 'A database call slower than this is logged at warn with its name and time, never its values (0 turns it off).' },
  { name: 'ASTRAL_METRICS', fallback: 'true', description: 'Metrics at /metrics, alerts and the dashboard; false turns all three off.' },
  { name: 'ASTRAL_METRICS_TOKEN', fallback: '(unset: loopback only)', description: 'Bearer token a scraper outside loopback sends to read /metrics (32 or more characters of A-Z a-z 0-9 . _ ~ + / -).' },
  { name: 'ASTRAL_ADMIN_TOKEN', fallback: '(unset: admin routes off)', description: 'Bearer token of the admin routes: alerts, stats and the dashboard (32 or more characters, as above).' },
  { name: 'ASTRAL_SERVER_TIMING', fallback: 'off', description: 'off, or total: a Server-Timing header with the total handling time and nothing else.' },
  { name: 'ASTRAL_ALERT_WINDOW', fallback: '1m', description: 'Sliding window of the alert figures and the dashboard (10s-10m).' },
  { name: 'ASTRAL_ALERT_FOR', fallback: '1m', description: 'How long a figure stays past its threshold before its alert fires, and back before it resolves.' },
  { name: 'ASTRAL_ALERT_API_LATENCY', fallback: '100ms', description: 'p95 API latency above which api_latency fires.' },
  { name: 'ASTRAL_ALERT_QUERY_TIME', fallback: '25ms', description: 'p95 database query time above which query_time fires.' },
  { name: 'ASTRAL_ALERT_CACHE_HIT_RATIO', fallback: '0.95', description: 'Session cache hit ratio (0-1) below which cache_hit_ratio fires.' },
  { name: 'ASTRAL_ALERT_POOL_USE', fallback: '0.8', description: 'Share of the database pool in use (0-1) above which pool_use fires.' },
  { name: 'ASTRAL_ALERT_ERROR_RATE', fallback: '0.01', description: 'Share of API requests answered 5xx (0-1) above which error_rate fires.' },
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
  readonly logLevel: string;
  readonly logPretty: boolean;
  readonly slowRequestMs: number;
  readonly slowQueryMs: number;
  readonly metrics: { enabled: boolean; token: string | null };
  readonly adminToken: string | null;
  readonly serverTiming: 'off' | 'total';
  readonly alerts: AlertSettings;
}

/** Thresholds and timing of the built-in alerts; durations in milliseconds, shares from 0 to 1. */
export interface AlertSettings {
  readonly windowMs: number;
  readonly forMs: number;
  readonly apiLatencyMs: number;
  readonly queryTimeMs: number;
  readonly cacheHitRatio: number;
  readonly poolUse: number;
  readonly errorRate: number;
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
    logLevel: read.choice('ASTRAL_LOG_LEVEL', 'info', LOG_LEVELS),
    logPretty: read.boolean('ASTRAL_LOG_PRETTY', false),
    slowRequestMs: read.duration('ASTRAL_LOG_SLOW_REQUEST', '500ms', 0, 3_600_000),
    slowQueryMs: read.duration('ASTRAL_LOG_SLOW_QUERY', '100ms', 0, 3_600_000),
    metrics: { enabled: read.boolean('ASTRAL_METRICS', true), token: read.token('ASTRAL_METRICS_TOKEN') },
    adminToken: read.token('ASTRAL_ADMIN_TOKEN'),
    serverTiming: read.choice('ASTRAL_SERVER_TIMING', 'off', ['off', 'total'] as const),
    alerts: {
      windowMs: read.duration('ASTRAL_ALERT_WINDOW', '1m', 10_000, 600_000),
      forMs: read.duration('ASTRAL_ALERT_FOR', '1m', 0, 3_600_000),
      apiLatencyMs: read.duration('ASTRAL_ALERT_API_LATENCY', '100ms', 0, 60_000),
      queryTimeMs: read.duration('ASTRAL_ALERT_QUERY_TIME', '25ms', 0, 60_000),
      cacheHitRatio: read.fraction('ASTRAL_ALERT_CACHE_HIT_RATIO', 0.95),
      poolUse: read.fraction('ASTRAL_ALERT_POOL_USE', 0.8),
      errorRate: read.fraction('ASTRAL_ALERT_ERROR_RATE', 0.01),
    },
  };
}

const DAY = 86_400_000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DURATION = /^(\d+)(ms|s|m|h|d)?$/;
const FRACTION = /^(0(\.\d+)?|1(\.0+)?)$/;
// Bearer-safe (RFC 6750 token68) and long enough not to be guessed.
const TOKEN = /^[A-Za-z0-9._~+/-]{32,}=*$/;
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

    /** A share from 0 to 1, written as a decimal (0.95). */
    fraction(name: string, fallback: number): number {
      const raw = value(name);
      if (raw === undefined) return fallback;
      if (!FRACTION.test(raw)) throw new ConfigError(name, 'a decimal from 0 to 1, such as 0.95');
      return Number(raw);
    },

    /** A shared secret sent as a bearer token; unset means the routes it opens stay closed. */
    token(name: string): string | null {
      const raw = value(name);
      if (raw === undefined) return null;
      if (!TOKEN.test(raw)) throw new ConfigError(name, '32 or more characters of A-Z a-z 0-9 . _ ~ + / - (openssl rand -base64 32)');
      return raw;
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
      if (key.length !== 32) throw new ConfigError(name, 'base64 of exactly 32 bytes (openssl rand -base64 32)');
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
