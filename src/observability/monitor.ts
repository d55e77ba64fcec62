import type { Logger } from 'pino';
import type { AlertSettings } from '../config.js';
import { AlertBook, alertRules, type AlertChange, type AlertView } from './alerts.js';
import type { PrometheusMetrics } from './metrics.js';
import { presentStats, type Stats } from './stats.js';
import { TrafficWindow } from './traffic-window.js';

const SAMPLE_MS = 1_000;

export interface AlertList {
  readonly alerts: AlertView[];
  readonly history: AlertChange[];
}

/**
 * Samples the metrics once a second into the traffic window, evaluates the
 * alerts on it, and logs each alert change once: firing at warn, resolved at
 * info. What it holds is fixed in size: one row per second of the window.
 */
export class Monitor {
  private readonly window: TrafficWindow;
  private readonly book: AlertBook;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    metrics: PrometheusMetrics,
    settings: AlertSettings,
    private readonly logger: Logger,
    startedAt = Date.now(),
  ) {
    this.window = new TrafficWindow(metrics, Math.round(settings.windowMs / SAMPLE_MS), startedAt);
    this.book = new AlertBook(alertRules(settings), settings.forMs, (change) => this.log(change));
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), SAMPLE_MS);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample and one evaluation; `now` defaults to the clock. */
  tick(now = Date.now()): void {
    try {
      this.window.sample(now);
      this.book.evaluate(this.window.figures(), now);
    } catch (error) {
      this.logger.warn({ err: error }, 'metrics sampling failed');
    }
  }

  alerts(): AlertList {
    return { alerts: this.book.list(), history: this.book.history() };
  }

  stats(): Stats {
    return presentStats(this.window, this.book.list());
  }

  private log(change: AlertChange): void {
    const fields = { alert: change.name, value: change.value, threshold: change.threshold };
    if (change.to === 'firing') this.logger.warn(fields, 'alert firing');
    else this.logger.info(fields, 'alert resolved');
  }
}
