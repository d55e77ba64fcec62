import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { PasswordHasher, Store } from '../domain/ports.js';
import type { WorkQueue } from '../passwords/work-queue.js';
import type { AuthService } from '../service/auth-service.js';
import { noMetrics, PrometheusMetrics, type Metrics } from './metrics.js';
import { Monitor } from './monitor.js';
import { poolStatsOf } from './pool-stats.js';
import { timeAuth } from './timed-auth.js';
import { TimedHasher } from './timed-hasher.js';
import { timeStore } from './timed-store.js';

/**
 * Metrics, the alert monitor and slow-query logging, and the decorators that
 * feed them, built once from the settings. With ASTRAL_METRICS=false the
 * parts get `noMetrics` and are left undecorated, except the store while
 * slow queries are logged.
 */
export class Observability {
  readonly metrics: Metrics;
  /** Null when metrics are off: no alerts, no dashboard. */
  readonly monitor: Monitor | null;
  private readonly prometheus: PrometheusMetrics | null;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.prometheus = config.metrics.enabled ? new PrometheusMetrics() : null;
    this.metrics = this.prometheus ?? noMetrics;
    this.monitor = this.prometheus ? new Monitor(this.prometheus, config.alerts, logger) : null;
  }

  /** Starts sampling for the alerts and the dashboard, once the service is assembled. */
  start(): void {
    this.monitor?.start();
  }

  /** The registry /metrics serves, or null when metrics are off. */
  get registry(): Registry | null {
    return this.prometheus?.registry ?? null;
  }

  instrumentStore(store: Store): Store {
    this.metrics.watchPool(poolStatsOf(store));
    const slowMs = this.config.slowQueryMs;
    if (!this.metrics.enabled && slowMs === 0) return store;

    return timeStore(store, (query, ms) => {
      this.metrics.queryTimed(query, ms / 1000);
      if (slowMs > 0 && ms >= slowMs) this.logger.warn({ query, ms: Math.round(ms * 100) / 100 }, 'slow query');
    });
  }

  instrumentHasher(hasher: PasswordHasher, queue: WorkQueue): PasswordHasher {
    this.metrics.watchHashQueue(() => queue.depth);
    return this.metrics.enabled ? new TimedHasher(hasher, this.metrics) : hasher;
  }

  instrumentAuth(auth: AuthService): AuthService {
    return this.metrics.enabled ? timeAuth(auth, this.metrics) : auth;
  }

  close(): void {
    this.monitor?.close();
  }
}
