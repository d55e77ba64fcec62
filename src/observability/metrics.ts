import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { CellCounter, CellHistogram, type HistogramCell } from './cell-metrics.js';

/** Where a session lookup was answered: this process, Redis, or the database. */
export type CacheTier = 'l1' | 'l2' | 'db';
export const CACHE_TIERS: readonly CacheTier[] = ['l1', 'l2', 'db'];

/** How a login ended. The named ones are bound up front; an error code may join them. */
export type LoginOutcome = 'success' | 'invalid_credentials' | 'mfa_required' | 'throttled' | (string & {});
const LOGIN_OUTCOMES = ['success', 'invalid_credentials', 'mfa_required', 'throttled'];

export type Credential = 'session_token' | 'access_token';
export type PasswordOperation = 'hash' | 'verify';

/** A connection pool as a scrape sees it. */
export interface PoolStats {
  readonly max: number;
  readonly inUse: number;
  readonly idle: number;
  readonly waiting: number;
}

/** Times the requests of one route: bound once per route, then one call per response. */
export interface RequestTimer {
  observe(status: number, seconds: number): void;
}

/**
 * What the parts of the service report. Every call is cheap, allocates
 * nothing once its labels are bound, and never throws. Labels are constants
 * chosen by the code (a route pattern, a query name, a reason), never input.
 * With ASTRAL_METRICS=false the service gets `noMetrics`, where each is a no-op.
 */
export interface Metrics {
  readonly enabled: boolean;
  cacheHit(tier: CacheTier): void;
  cacheMiss(tier: CacheTier): void;
  /** A request refused by throttling; `reason` is a constant such as 'ip' or 'account'. */
  throttled(reason: string): void;
  loginOutcome(outcome: LoginOutcome): void;
  queryTimed(query: string, seconds: number): void;
  sessionValidated(credential: Credential, valid: boolean, seconds: number): void;
  passwordWork(operation: PasswordOperation, seconds: number): void;
  requestTimer(method: string, route: string): RequestTimer;
  /** Reads the connection pool at each scrape. */
  watchPool(read: () => PoolStats): void;
  /** Reads the password hashing queue (running and waiting) at each scrape. */
  watchHashQueue(read: () => number): void;
}

const NO_TIMER: RequestTimer = { observe: () => undefined };

export const noMetrics: Metrics = {
  enabled: false,
  cacheHit: () => undefined,
  cacheMiss: () => undefined,
  throttled: () => undefined,
  loginOutcome: () => undefined,
  queryTimed: () => undefined,
  sessionValidated: () => undefined,
  passwordWork: () => undefined,
  requestTimer: () => NO_TIMER,
  watchPool: () => undefined,
  watchHashQueue: () => undefined,
};

/**
 * Seconds. Fine from 50 µs, so that the p99 of a session check answered from
 * memory can be read, with the alert thresholds (25 ms, 100 ms) as bounds.
 */
export const LATENCY_BUCKETS = [
  0.00005, 0.0001, 0.00015, 0.0002, 0.0003, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003,
  0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Seconds; argon2id at the default cost takes tens of milliseconds. */
export const PASSWORD_BUCKETS = [
  0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5,
];

type Timing = HistogramCell;
type Pair = { readonly valid: Timing; readonly invalid: Timing };

/** The metrics, in a registry of their own: one per service, so tests can run several. */
export class PrometheusMetrics implements Metrics {
  readonly enabled = true;
  readonly registry = new Registry();
  readonly requestDuration = this.histogram(
    'astral_http_request_duration_seconds',
    'Time to answer a request, by route pattern and status.',
    ['method', 'route', 'status'],
  );
  readonly queryDuration = this.histogram(
    'astral_db_query_duration_seconds',
    'Time of a database call, by store method, waiting for a connection included.',
    ['query'],
  );
  readonly sessionValidation = this.histogram(
    'astral_session_validation_duration_seconds',
    'Time to check a session credential, by credential and result.',
    ['credential', 'result'],
  );
  readonly passwordDuration = this.histogram(
    'astral_password_duration_seconds',
    'Time to hash or verify a password, waiting in the hashing queue included.',
    ['operation'],
    PASSWORD_BUCKETS,
  );
  readonly cacheLookups = this.counter(
    'astral_cache_lookups_total',
    'Session lookups by cache tier and result.',
    ['tier', 'result'],
  );
  readonly logins = this.counter('astral_logins_total', 'Login attempts by outcome.', ['outcome']);
  readonly throttles = this.counter('astral_throttled_total', 'Requests refused by throttling, by reason.', ['reason']);
  readonly pool = this.gauge(
    'astral_db_pool_connections',
    'Database connections by state: in_use, idle, waiting.',
    ['state'],
    () => this.readPool(),
  );
  readonly poolMax = this.gauge('astral_db_pool_max', 'Most database connections the pool opens.');
  readonly hashQueue = this.gauge(
    'astral_password_queue_depth',
    'Password hashes running or waiting.',
    [],
    () => this.readHashQueue(),
  );

  // The known label sets are bound, so exported at 0, from the start: a rate over them exists
  // before the first event.
  private readonly hits = new Children((tier: string) => this.cacheLookups.cell(tier, 'hit'), CACHE_TIERS);
  private readonly misses = new Children((tier: string) => this.cacheLookups.cell(tier, 'miss'), CACHE_TIERS);
  private readonly outcomes = new Children((outcome: string) => this.logins.cell(outcome), LOGIN_OUTCOMES);
  private readonly reasons = new Children((reason: string) => this.throttles.cell(reason));
  private readonly queries = new Children((query: string) => this.queryDuration.cell(query));
  private readonly validations: Record<Credential, Pair> = {
    session_token: this.validationPair('session_token'),
    access_token: this.validationPair('access_token'),
  };
  private readonly hashing = this.passwordDuration.cell('hash');
  private readonly verifying = this.passwordDuration.cell('verify');
  private poolSource: (() => PoolStats) | undefined;
  private hashQueueSource: (() => number) | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  cacheHit(tier: CacheTier): void {
    this.hits.get(tier).inc();
  }

  cacheMiss(tier: CacheTier): void {
    this.misses.get(tier).inc();
  }

  throttled(reason: string): void {
    this.reasons.get(reason).inc();
  }

  loginOutcome(outcome: LoginOutcome): void {
    this.outcomes.get(outcome).inc();
  }

  queryTimed(query: string, seconds: number): void {
    this.queries.get(query).observe(seconds);
  }

  sessionValidated(credential: Credential, valid: boolean, seconds: number): void {
    const pair = this.validations[credential];
    (valid ? pair.valid : pair.invalid).observe(seconds);
  }

  passwordWork(operation: PasswordOperation, seconds: number): void {
    (operation === 'hash' ? this.hashing : this.verifying).observe(seconds);
  }

  requestTimer(method: string, route: string): RequestTimer {
    const bind = (status: number) => this.requestDuration.cell(method, route, String(status));
    const byStatus = new Children(bind);
    return { observe: (status, seconds) => byStatus.get(status).observe(seconds) };
  }

  watchPool(read: () => PoolStats): void {
    this.poolSource = read;
  }

  watchHashQueue(read: () => number): void {
    this.hashQueueSource = read;
  }

  /** The pool now, or undefined before one is watched. */
  poolNow(): PoolStats | undefined {
    return this.poolSource?.();
  }

  hashQueueNow(): number {
    return this.hashQueueSource?.() ?? 0;
  }

  private readPool(): void {
    const stats = this.poolNow();
    if (!stats) return;

    this.pool.set({ state: 'in_use' }, stats.inUse);
    this.pool.set({ state: 'idle' }, stats.idle);
    this.pool.set({ state: 'waiting' }, stats.waiting);
    this.poolMax.set(stats.max);
  }

  private readHashQueue(): void {
    this.hashQueue.set(this.hashQueueNow());
  }

  private validationPair(credential: Credential): Pair {
    const child = (result: string) => this.sessionValidation.cell(credential, result);
    return { valid: child('valid'), invalid: child('invalid') };
  }

  private histogram(name: string, help: string, labelNames: string[], buckets = LATENCY_BUCKETS): CellHistogram {
    return new CellHistogram({ name, help, labelNames, buckets, registry: this.registry });
  }

  private counter(name: string, help: string, labelNames: string[]): CellCounter {
    return new CellCounter({ name, help, labelNames, registry: this.registry });
  }

  private gauge(name: string, help: string, labelNames: string[] = [], collect?: () => void): Gauge {
    const registers = [this.registry];
    return new Gauge({ name, help, labelNames, registers, ...(collect ? { collect } : {}) });
  }
}

/** The children of one metric by key, each bound on first use; later lookups allocate nothing. */
class Children<K, C> {
  private readonly bound = new Map<K, C>();

  constructor(
    private readonly bind: (key: K) => C,
    known: readonly K[] = [],
  ) {
    for (const key of known) this.get(key);
  }

  get(key: K): C {
    let child = this.bound.get(key);
    if (child === undefined) {
      child = this.bind(key);
      this.bound.set(key, child);
    }
    return child;
  }
}
