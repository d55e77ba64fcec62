import { availableParallelism } from 'node:os';
import path from 'node:path';
import { RISK_ACTIONS, type RiskPolicy } from './domain/risk.js';
import { NOTICE_KINDS, type NoticeKind, type RetryPolicy } from './domain/mail.js';

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

/** Mail, links, notices and retention: the account lifecycle's settings (docs/lifecycle.md). */
const LIFECYCLE_SETTINGS: readonly SettingDoc[] = [
  { name: 'ASTRAL_SMTP_URL', fallback: '(unset: mail is written to ASTRAL_DATA_DIR/mail)', description: 'Mail server: smtp://host:port (STARTTLS when offered) or smtps://host:port, with user:password@ if it needs them.' },
  { name: 'ASTRAL_MAIL_FROM', fallback: 'astral-auth <no-reply@astral-auth.localhost>', description: 'From of every mail: an address, or a name and <address>.' },
  { name: 'ASTRAL_MAIL_TEMPLATES_DIR', fallback: '(unset: built-in templates)', description: 'Folder of templates that replace the built-in ones, checked at start (docs/lifecycle.md).' },
  { name: 'ASTRAL_MAIL_POLL_INTERVAL', fallback: '1s', description: 'How often each instance looks for mail to send.' },
  { name: 'ASTRAL_MAIL_MAX_ATTEMPTS', fallback: '8', description: 'Attempts at sending one mail before it is recorded as failed (1-50).' },
  { name: 'ASTRAL_MAIL_RETRY_DELAY', fallback: '30s', description: 'Wait before the first retry; it doubles with each attempt, up to 1h.' },
  { name: 'ASTRAL_LINK_BASE_URLS', fallback: 'http://localhost:3000/account', description: 'Comma-separated app pages that mailed links open; the first is the default, a request may name another in redirect (exact match).' },
  { name: 'ASTRAL_VERIFY_LINK_TTL', fallback: '24h', description: 'Lifetime of an email verification or email change link.' },
  { name: 'ASTRAL_RESET_LINK_TTL', fallback: '1h', description: 'Lifetime of a password reset link.' },
  { name: 'ASTRAL_REQUIRE_VERIFIED_EMAIL', fallback: 'false', description: 'Refuse logins (403 email_not_verified, after the password verified) until the address is verified.' },
  { name: 'ASTRAL_NOTIFY', fallback: 'all', description: `Notices mailed to the account holder: all, none, or a comma-separated list of ${NOTICE_KINDS.join(', ')}.` },
  { name: 'ASTRAL_MAIL_RETENTION', fallback: '30d', description: 'How long sent and failed mail stays in the outbox (and in the export).' },
  { name: 'ASTRAL_DEVICE_RETENTION', fallback: '180d', description: 'A device unseen this long is forgotten: signing in from it notifies again.' },
];

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
  { name: 'ASTRAL_KEY_ACTIVATION_DELAY', fallback: '2m', description: 'How long `keys rotate` publishes a new signing key before it signs, so cached JWKS pick it up first.' },
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
  { name: 'ASTRAL_WORKERS', fallback: '1', description: 'Processes serving the port (node:cluster), each a full instance; above 1 needs `REDIS_URL`, through which they share revocations and request limits. Each has its own database pool.' },
  { name: 'ASTRAL_HASH_CONCURRENCY', fallback: '(cores / ASTRAL_WORKERS, at least 1)', description: 'Password hashes computed at once by each process.' },
  { name: 'ASTRAL_HASH_QUEUE_MAX', fallback: '64', description: 'Hashes allowed to wait; beyond it logins get 503 with Retry-After.' },
  { name: 'ASTRAL_BODY_LIMIT', fallback: '16384', description: 'Largest request body in bytes (1024-65536).' },
  { name: 'ASTRAL_REQUEST_TIMEOUT', fallback: '10s', description: 'Longest a client may take to send a whole request, headers and body (1s-10m); a slower one gets 408 and is disconnected.' },
  { name: 'ASTRAL_LOG_LEVEL', fallback: 'info', description: 'fatal, error, warn, info, debug, trace or silent.' },
  { name: 'ASTRAL_REVOCATION_FEED_TOKEN', fallback: '(unset: the feed refuses everyone)', description: 'Bearer token that verifiers present to read `GET /v1/revocations`; at least 32 characters.' },
  { name: 'ASTRAL_REVOCATION_HEARTBEAT', fallback: '5s', description: 'How often the revocation feed sends a heartbeat (1s-30s); verifiers treat three missed ones as a dead stream.' },
  { name: 'ASTRAL_LOCKOUT_WINDOW', fallback: '24h', description: 'How long failed attempts are remembered, from the first failure of a counter (1m-30d).' },
  { name: 'ASTRAL_LOCKOUT_ACCOUNT_LIMIT', fallback: '50', description: 'Failed attempts on one account, from clients it does not know, before it is locked for the rest of the window (1-100, NIST SP 800-63B).' },
  { name: 'ASTRAL_LOCKOUT_PAIR_FREE', fallback: '5', description: 'Failed attempts of one client on one account before each further attempt waits, doubling (1-100).' },
  { name: 'ASTRAL_LOCKOUT_ADDRESS_FREE', fallback: '100', description: 'Failed attempts from one address (IPv6: its /64) on any accounts before its attempts wait, doubling (1-100000).' },
  { name: 'ASTRAL_LOCKOUT_BACKOFF_BASE', fallback: '30s', description: 'First wait after the free attempts; each next one doubles (1s-1h).' },
  { name: 'ASTRAL_LOCKOUT_BACKOFF_MAX', fallback: '15m', description: 'Longest single wait of the doubling backoff (1s-24h).' },
  { name: 'ASTRAL_KNOWN_CLIENT_TTL', fallback: '90d', description: 'How long a device cookie or address that logged in successfully stays known, and so exempt from the account-wide lock.' },
  { name: 'ASTRAL_RATE_WINDOW', fallback: '1m', description: 'Window of the per-route request limits (1s-1h).' },
  { name: 'ASTRAL_RATE_LOGIN', fallback: '30', description: 'Requests per window and address to /v1/login and /v1/login/mfa.' },
  { name: 'ASTRAL_RATE_REGISTER', fallback: '10', description: 'Requests per window and address to /v1/register (bounds email enumeration).' },
  { name: 'ASTRAL_RATE_PASSWORD', fallback: '10', description: 'Requests per window and address to /v1/password.' },
  { name: 'ASTRAL_RATE_MAIL', fallback: '5', description: 'Requests per window and address to the routes that send mail (forgot password, resend verification, email change) and use mailed links.' },
  { name: 'ASTRAL_RATE_MFA', fallback: '30', description: 'Requests per window and address to /v1/mfa/* and /v1/session/step-up.' },
  { name: 'ASTRAL_RATE_ADMIN', fallback: '120', description: 'Requests per window and address to /v1/admin/*.' },
  { name: 'ASTRAL_RATE_GENERAL', fallback: '600', description: 'Requests per window and address to every other route (health checks excepted).' },
  { name: 'ASTRAL_MAX_SESSIONS', fallback: '5', description: 'Concurrent sessions per user; a new one ends the oldest (1-100).' },
  { name: 'ASTRAL_MFA_CHALLENGE_TTL', fallback: '5m', description: 'Lifetime of the challenge between a right password and the TOTP step (30s-15m).' },
  { name: 'ASTRAL_MFA_ISSUER', fallback: 'astral-auth', description: 'Issuer shown by authenticator apps in the otpauth URL.' },
  { name: 'ASTRAL_RISK_CONTEXT_CHANGE', fallback: 'record', description: 'Action when a session is used from another network (IPv4 /16, IPv6 /48) or browser family: allow, record, step_up, shorten or deny.' },
  { name: 'ASTRAL_RISK_NEW_DEVICE', fallback: 'record', description: 'Action on a successful login from a device and address the account does not know: allow, record, step_up, shorten or deny.' },
  { name: 'ASTRAL_RISK_FAILURE_BURST', fallback: 'record', description: 'Action on a successful login after a burst of failures on the account: allow, record, step_up, shorten or deny.' },
  { name: 'ASTRAL_RISK_BURST_THRESHOLD', fallback: '10', description: 'Failures on one account within the lockout window that make a burst (1-100).' },
  { name: 'ASTRAL_RISK_SHORT_LIFETIME', fallback: '1h', description: 'Lifetime left to a session that the `shorten` action applies to (1m-7d).' },
  { name: 'ASTRAL_ADMIN_ROLES', fallback: 'admin', description: 'Comma-separated roles whose sessions may use /v1/admin (exact, case-sensitive: add ADMIN for imported admins).' },
  { name: 'ASTRAL_ADMIN_TOKEN', fallback: '(unset: no token)', description: 'Bearer token for /v1/admin, at least 32 characters; compared in constant time, never logged.' },
  { name: 'ASTRAL_AUDIT_RETENTION', fallback: '365d', description: 'Audit events older than this are deleted by the purge (1d-3650d).' },
  { name: 'ASTRAL_AUDIT_FLUSH_INTERVAL', fallback: '250ms', description: 'Longest an audit event of a login waits in memory before it is written (10ms-10s).' },
  { name: 'ASTRAL_PURGE_INTERVAL', fallback: '1h', description: 'How often each instance deletes what has expired: audit events, counters, MFA challenges, sessions, used links, old mail and devices (1m-24h).' },
  { name: 'ASTRAL_BLOCKS_RELOAD', fallback: '5s', description: 'How often each instance rereads address blocks made elsewhere (1s-5m).' },
  { name: 'ASTRAL_LOG_PRETTY', fallback: 'false', description: 'Human-readable log lines instead of JSON, for development (needs the pino-pretty development dependency).' },
  { name: 'ASTRAL_LOG_SLOW_REQUEST', fallback: '500ms', description: 'A request slower than this is logged at warn (0 turns it off).' },
  { name: 'ASTRAL_LOG_SLOW_QUERY', fallback: '100ms', description: 'A database call slower than this is logged at warn with its name and time, never its values (0 turns it off).' },
  { name: 'ASTRAL_METRICS', fallback: 'true', description: 'Metrics at /metrics, alerts and the dashboard; false turns all three off.' },
  { name: 'ASTRAL_METRICS_TOKEN', fallback: '(unset: loopback only)', description: 'Bearer token a scraper outside loopback sends to read /metrics (32 or more characters of A-Z a-z 0-9 . _ ~ + / -).' },
  { name: 'ASTRAL_SERVER_TIMING', fallback: 'off', description: 'off, or total: a Server-Timing header with the total handling time and nothing else.' },
  { name: 'ASTRAL_ALERT_WINDOW', fallback: '1m', description: 'Sliding window of the alert figures and the dashboard (10s-10m).' },
  { name: 'ASTRAL_ALERT_FOR', fallback: '1m', description: 'How long a figure stays past its threshold before its alert fires, and back before it resolves.' },
  { name: 'ASTRAL_ALERT_API_LATENCY', fallback: '100ms', description: 'p95 API latency above which api_latency fires.' },
  { name: 'ASTRAL_ALERT_QUERY_TIME', fallback: '25ms', description: 'p95 database query time above which query_time fires.' },
  { name: 'ASTRAL_ALERT_CACHE_HIT_RATIO', fallback: '0.95', description: 'Session cache hit ratio (0-1) below which cache_hit_ratio fires.' },
  { name: 'ASTRAL_ALERT_POOL_USE', fallback: '0.8', description: 'Share of the database pool in use (0-1) above which pool_use fires.' },
  { name: 'ASTRAL_ALERT_ERROR_RATE', fallback: '0.01', description: 'Share of API requests answered 5xx (0-1) above which error_rate fires.' },
  ...LIFECYCLE_SETTINGS,
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
  readonly workers: number;
  readonly cache: { maxSessions: number; ttlMs: number; degradedTtlMs: number };
  readonly revocationAckTimeoutMs: number;
  readonly migrateOnStart: boolean;
  readonly secretKey: Buffer | null;
  readonly jwt: { issuer: string; audience: string; alg: 'EdDSA' | 'ES256'; ttlMs: number; activationDelayMs: number };
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
  readonly revocationFeed: { token: string | null; heartbeatMs: number };
  readonly lockout: LockoutSettings;
  readonly rateLimits: RateLimitSettings;
  readonly maxSessionsPerUser: number;
  readonly mfa: { challengeTtlMs: number; issuer: string };
  readonly risk: RiskSettings;
  readonly adminRoles: readonly string[];
  readonly adminToken: string | null;
  readonly auditRetentionMs: number;
  readonly auditFlushIntervalMs: number;
  readonly purgeIntervalMs: number;
  readonly blocksReloadMs: number;
  readonly mail: MailConfig;
  readonly links: { baseUrls: readonly string[]; verifyTtlMs: number; resetTtlMs: number };
  readonly requireVerifiedEmail: boolean;
  readonly notices: ReadonlySet<NoticeKind>;
  readonly retention: { intervalMs: number; mailMs: number; devicesMs: number };
  readonly logPretty: boolean;
  readonly slowRequestMs: number;
  readonly slowQueryMs: number;
  readonly metrics: { enabled: boolean; token: string | null };
  readonly serverTiming: 'off' | 'total';
  readonly alerts: AlertSettings;
}

export interface LockoutSettings {
  readonly windowMs: number;
  readonly accountLimit: number;
  readonly pairFree: number;
  readonly addressFree: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly knownClientTtlMs: number;
}

export type RateBucket = 'login' | 'register' | 'password' | 'mail' | 'mfa' | 'admin' | 'general';

export interface RateLimitSettings {
  readonly windowMs: number;
  readonly limits: Readonly<Record<RateBucket, number>>;
}

export interface RiskSettings {
  readonly policy: RiskPolicy;
  readonly burstThreshold: number;
  readonly shortLifetimeMs: number;
}

export interface MailConfig {
  readonly smtpUrl: string | null;
  readonly from: string;
  readonly templatesDir: string | null;
  readonly pollIntervalMs: number;
  readonly retry: RetryPolicy;
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
  const redisUrl = read.optionalUrl('REDIS_URL', ['redis:', 'rediss:']);
  const workers = read.integer('ASTRAL_WORKERS', 1, 1, 64);
  // Without Redis a revocation reaches only the process that made it.
  if (workers > 1 && redisUrl === null) throw new ConfigError('ASTRAL_WORKERS', '1 unless REDIS_URL is set (workers share revocations and limits through Redis)');
  return {
    host: read.text('ASTRAL_HOST', '127.0.0.1'),
    port: read.integer('ASTRAL_PORT', 8080, 0, 65535),
    dataDir: path.resolve(read.text('ASTRAL_DATA_DIR', './data')),
    databaseUrl,
    databasePoolMax: read.integer('DATABASE_POOL_MAX', 10, 1, 100),
    databaseConnectTimeoutMs: read.duration('DATABASE_CONNECT_TIMEOUT', '2s', 100, 60_000),
    databaseStatementTimeoutMs: read.duration('DATABASE_STATEMENT_TIMEOUT', '5s', 100, 600_000),
    redisUrl,
    redisPrefix: read.text('ASTRAL_REDIS_PREFIX', 'astral:'),
    workers,
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
      activationDelayMs: read.duration('ASTRAL_KEY_ACTIVATION_DELAY', '2m', 0, 86_400_000),
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
    // More hashing threads than cores only add CPU time to every login.
    hashConcurrency: read.integer('ASTRAL_HASH_CONCURRENCY', Math.max(1, Math.round(availableParallelism() / workers)), 1, 256),
    hashQueueMax: read.integer('ASTRAL_HASH_QUEUE_MAX', 64, 0, 100_000),
    bodyLimit: read.integer('ASTRAL_BODY_LIMIT', 16_384, 1_024, 65_536),
    requestTimeoutMs: read.duration('ASTRAL_REQUEST_TIMEOUT', '10s', 1_000, 600_000),
    logLevel: read.choice('ASTRAL_LOG_LEVEL', 'info', LOG_LEVELS),
    revocationFeed: {
      token: read.secretToken('ASTRAL_REVOCATION_FEED_TOKEN', FEED_TOKEN_MIN_LENGTH),
      heartbeatMs: read.duration('ASTRAL_REVOCATION_HEARTBEAT', '5s', 1_000, 30_000),
    },
    logPretty: read.boolean('ASTRAL_LOG_PRETTY', false),
    slowRequestMs: read.duration('ASTRAL_LOG_SLOW_REQUEST', '500ms', 0, 3_600_000),
    slowQueryMs: read.duration('ASTRAL_LOG_SLOW_QUERY', '100ms', 0, 3_600_000),
    metrics: { enabled: read.boolean('ASTRAL_METRICS', true), token: read.secretToken('ASTRAL_METRICS_TOKEN') },
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
    ...guardianSettings(read),
    ...lifecycleSettings(read),
  };
}

type Reader = ReturnType<typeof reader>;

function guardianSettings(read: Reader) {
  return {
    lockout: {
      windowMs: read.duration('ASTRAL_LOCKOUT_WINDOW', '24h', 60_000, 30 * DAY),
      accountLimit: read.integer('ASTRAL_LOCKOUT_ACCOUNT_LIMIT', 50, 1, 100),
      pairFree: read.integer('ASTRAL_LOCKOUT_PAIR_FREE', 5, 1, 100),
      addressFree: read.integer('ASTRAL_LOCKOUT_ADDRESS_FREE', 100, 1, 100_000),
      backoffBaseMs: read.duration('ASTRAL_LOCKOUT_BACKOFF_BASE', '30s', 1_000, 3_600_000),
      backoffMaxMs: read.duration('ASTRAL_LOCKOUT_BACKOFF_MAX', '15m', 1_000, DAY),
      knownClientTtlMs: read.duration('ASTRAL_KNOWN_CLIENT_TTL', '90d', 60_000, 400 * DAY),
    },
    rateLimits: {
      windowMs: read.duration('ASTRAL_RATE_WINDOW', '1m', 1_000, 3_600_000),
      limits: {
        login: read.integer('ASTRAL_RATE_LOGIN', 30, 1, 1_000_000),
        register: read.integer('ASTRAL_RATE_REGISTER', 10, 1, 1_000_000),
        password: read.integer('ASTRAL_RATE_PASSWORD', 10, 1, 1_000_000),
        mail: read.integer('ASTRAL_RATE_MAIL', 5, 1, 1_000_000),
        mfa: read.integer('ASTRAL_RATE_MFA', 30, 1, 1_000_000),
        admin: read.integer('ASTRAL_RATE_ADMIN', 120, 1, 1_000_000),
        general: read.integer('ASTRAL_RATE_GENERAL', 600, 1, 1_000_000),
      },
    },
    maxSessionsPerUser: read.integer('ASTRAL_MAX_SESSIONS', 5, 1, 100),
    mfa: {
      challengeTtlMs: read.duration('ASTRAL_MFA_CHALLENGE_TTL', '5m', 30_000, 900_000),
      issuer: read.text('ASTRAL_MFA_ISSUER', 'astral-auth'),
    },
    risk: {
      policy: {
        context_change: read.choice('ASTRAL_RISK_CONTEXT_CHANGE', 'record', RISK_ACTIONS),
        new_device: read.choice('ASTRAL_RISK_NEW_DEVICE', 'record', RISK_ACTIONS),
        failure_burst: read.choice('ASTRAL_RISK_FAILURE_BURST', 'record', RISK_ACTIONS),
      },
      burstThreshold: read.integer('ASTRAL_RISK_BURST_THRESHOLD', 10, 1, 100),
      shortLifetimeMs: read.duration('ASTRAL_RISK_SHORT_LIFETIME', '1h', 60_000, 7 * DAY),
    },
    adminRoles: read.list('ASTRAL_ADMIN_ROLES').length > 0 ? read.list('ASTRAL_ADMIN_ROLES') : ['admin'],
    adminToken: read.secretToken('ASTRAL_ADMIN_TOKEN'),
    auditRetentionMs: read.duration('ASTRAL_AUDIT_RETENTION', '365d', DAY, 3650 * DAY),
    auditFlushIntervalMs: read.duration('ASTRAL_AUDIT_FLUSH_INTERVAL', '250ms', 10, 10_000),
    purgeIntervalMs: read.duration('ASTRAL_PURGE_INTERVAL', '1h', 60_000, DAY),
    blocksReloadMs: read.duration('ASTRAL_BLOCKS_RELOAD', '5s', 1_000, 300_000),
  };
}

const DAY = 86_400_000;
const FEED_TOKEN_MIN_LENGTH = 32;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DURATION = /^(\d+)(ms|s|m|h|d)?$/;
const FRACTION = /^(0(\.\d+)?|1(\.0+)?)$/;
// Bearer-safe (RFC 6750 token68) and long enough not to be guessed.
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

    /** A bearer secret: long enough, and only characters that pass through headers and shells unharmed. */
    secretToken(name: string, minLength = 32): string | null {
      const raw = value(name);
      if (raw === undefined) return null;
      if (raw.length < minLength || !/^[A-Za-z0-9._~+/=-]+$/.test(raw)) {
        throw new ConfigError(name, `at least ${minLength} characters of A-Z, a-z, 0-9 and ._~+/=- (openssl rand -base64 32)`);
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

function lifecycleSettings(read: ReturnType<typeof reader>) {
  return {
    mail: {
      smtpUrl: read.optionalUrl('ASTRAL_SMTP_URL', ['smtp:', 'smtps:']),
      from: checkMailFrom(read.text('ASTRAL_MAIL_FROM', 'astral-auth <no-reply@astral-auth.localhost>')),
      templatesDir: optionalPath(read.text('ASTRAL_MAIL_TEMPLATES_DIR', '')),
      pollIntervalMs: read.duration('ASTRAL_MAIL_POLL_INTERVAL', '1s', 10, 600_000),
      retry: {
        maxAttempts: read.integer('ASTRAL_MAIL_MAX_ATTEMPTS', 8, 1, 50),
        firstDelayMs: read.duration('ASTRAL_MAIL_RETRY_DELAY', '30s', 10, 3_600_000),
        maxDelayMs: 3_600_000,
      },
    },
    links: {
      baseUrls: checkLinkBases(read.list('ASTRAL_LINK_BASE_URLS')),
      verifyTtlMs: read.duration('ASTRAL_VERIFY_LINK_TTL', '24h', 60_000, 30 * DAY),
      resetTtlMs: read.duration('ASTRAL_RESET_LINK_TTL', '1h', 60_000, DAY),
    },
    requireVerifiedEmail: read.boolean('ASTRAL_REQUIRE_VERIFIED_EMAIL', false),
    notices: checkNotices(read.list('ASTRAL_NOTIFY')),
    retention: {
      // The same setting as purgeIntervalMs, read alike: one schedule for every purge.
      intervalMs: read.duration('ASTRAL_PURGE_INTERVAL', '1h', 60_000, DAY),
      mailMs: read.duration('ASTRAL_MAIL_RETENTION', '30d', 0, 3_650 * DAY),
      devicesMs: read.duration('ASTRAL_DEVICE_RETENTION', '180d', 0, 3_650 * DAY),
    },
  };
}

const MAIL_FROM = /^(?:[^<>\r\n"]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;

function checkMailFrom(from: string): string {
  if (!MAIL_FROM.test(from)) throw new ConfigError('ASTRAL_MAIL_FROM', 'an address, or a name and <address>, on one line');
  return from;
}

function optionalPath(value: string): string | null {
  return value === '' ? null : path.resolve(value);
}

/** Absolute http(s) URLs without a fragment: the link puts the token there. */
function checkLinkBases(bases: string[]): string[] {
  const list = bases.length > 0 ? bases : ['http://localhost:3000/account'];
  for (const base of list) {
    const url = URL.canParse(base) ? new URL(base) : undefined;
    if (!url || !['http:', 'https:'].includes(url.protocol) || base.includes('#')) {
      throw new ConfigError('ASTRAL_LINK_BASE_URLS', 'comma-separated http(s) URLs without a #fragment');
    }
  }
  return list;
}

function checkNotices(names: string[]): ReadonlySet<NoticeKind> {
  if (names.length === 0 || (names.length === 1 && names[0] === 'all')) return new Set(NOTICE_KINDS);
  if (names.length === 1 && names[0] === 'none') return new Set();
  const unknown = names.filter((name) => !NOTICE_KINDS.includes(name as NoticeKind));
  if (unknown.length > 0) throw new ConfigError('ASTRAL_NOTIFY', `all, none, or a list of ${NOTICE_KINDS.join(', ')}`);
  return new Set(names as NoticeKind[]);
}

function checkOrigin(origin: string): string {
  if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
    throw new ConfigError('ASTRAL_ALLOWED_ORIGINS', 'origins such as https://app.example.com (scheme, host, optional port; no path)');
  }
  return origin;
}
