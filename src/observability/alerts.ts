import type { AlertSettings } from '../config.js';
import type { Figures } from './traffic-window.js';

export type AlertName = 'api_latency' | 'query_time' | 'cache_hit_ratio' | 'pool_use' | 'error_rate';
export type AlertState = 'ok' | 'pending' | 'firing';

/** One threshold on one figure of the traffic window. */
export interface AlertRule {
  readonly name: AlertName;
  readonly figure: keyof Figures;
  readonly threshold: number;
  /** Whether a figure past the threshold is above it (latency) or below it (hit ratio). */
  readonly breachedWhen: 'above' | 'below';
  readonly unit: 'ms' | 'ratio';
  readonly summary: string;
}

export interface AlertView {
  readonly name: AlertName;
  readonly state: AlertState;
  readonly summary: string;
  readonly value: number | null;
  readonly threshold: number;
  readonly unit: 'ms' | 'ratio';
  /** When the alert entered its state (ISO 8601), null while it has always been ok. */
  readonly since: string | null;
}

export interface AlertChange {
  readonly name: AlertName;
  readonly to: 'firing' | 'resolved';
  readonly value: number | null;
  readonly threshold: number;
  readonly at: string;
}

/** The seed report's thresholds, as the settings give them. */
export function alertRules(settings: AlertSettings): AlertRule[] {
  const { apiLatencyMs, queryTimeMs, cacheHitRatio, poolUse, errorRate } = settings;
  return [
    defineRule('api_latency', 'apiLatencyMs', 'above', apiLatencyMs, 'ms', 'p95 latency of API requests'),
    defineRule('query_time', 'queryTimeMs', 'above', queryTimeMs, 'ms', 'p95 time of database calls'),
    defineRule('cache_hit_ratio', 'cacheHitRatio', 'below', cacheHitRatio, 'ratio', 'share of session lookups answered by L1 or L2'),
    defineRule('pool_use', 'poolUse', 'above', poolUse, 'ratio', 'mean share of the database pool in use'),
    defineRule('error_rate', 'errorRate', 'above', errorRate, 'ratio', 'share of API requests answered 5xx'),
  ];
}

function defineRule(
  name: AlertName,
  figure: keyof Figures,
  breachedWhen: AlertRule['breachedWhen'],
  threshold: number,
  unit: AlertRule['unit'],
  summary: string,
): AlertRule {
  return { name, figure, breachedWhen, threshold, unit, summary };
}

const HISTORY_MAX = 50;

interface Status {
  state: AlertState;
  value: number | null;
  since: number | null;
  /** While firing: when the figure came back inside its threshold, if it has. */
  clearSince: number | null;
}

/**
 * The rules' states. An alert fires once its figure has stayed past the
 * threshold for `forMs`, and resolves once it has stayed back for as long,
 * so a figure hovering at the threshold does not flap. A figure the window
 * cannot tell yet (null) counts as inside. Each change is reported once to
 * `onChange` and kept in a short history.
 */
export class AlertBook {
  private readonly statuses = new Map<AlertName, Status>();
  private readonly changes: AlertChange[] = [];

  constructor(
    private readonly rules: readonly AlertRule[],
    private readonly forMs: number,
    private readonly onChange: (change: AlertChange) => void,
  ) {
    for (const { name } of rules) this.statuses.set(name, { state: 'ok', value: null, since: null, clearSince: null });
  }

  evaluate(figures: Figures, now: number): void {
    for (const alert of this.rules) {
      const status = this.statuses.get(alert.name)!;
      status.value = figures[alert.figure];
      this.step(alert, status, isBreached(alert, status.value), now);
    }
  }

  list(): AlertView[] {
    return this.rules.map(({ name, summary, threshold, unit }) => {
      const { state, value, since } = this.statuses.get(name)!;
      const entered = since === null ? null : new Date(since).toISOString();
      return { name, state, summary, value, threshold, unit, since: entered };
    });
  }

  /** The latest changes, newest first. */
  history(): AlertChange[] {
    return [...this.changes].reverse();
  }

  private step(rule: AlertRule, status: Status, breached: boolean, now: number): void {
    if (status.state === 'firing') return this.stepFiring(rule, status, breached, now);
    if (!breached) return this.enter(status, 'ok', status.state === 'ok' ? status.since : now);
    if (status.state === 'ok') this.enter(status, 'pending', now);
    if (now - status.since! >= this.forMs) this.fire(rule, status, now);
  }

  private stepFiring(rule: AlertRule, status: Status, breached: boolean, now: number): void {
    if (breached) {
      status.clearSince = null;
      return;
    }
    status.clearSince ??= now;
    if (now - status.clearSince >= this.forMs) {
      this.enter(status, 'ok', now);
      this.report(rule, status, 'resolved', now);
    }
  }

  private fire(rule: AlertRule, status: Status, now: number): void {
    this.enter(status, 'firing', now);
    this.report(rule, status, 'firing', now);
  }

  private enter(status: Status, state: AlertState, since: number | null): void {
    status.state = state;
    status.since = since;
    status.clearSince = null;
  }

  private report(rule: AlertRule, status: Status, to: AlertChange['to'], now: number): void {
    const at = new Date(now).toISOString();
    const change = { name: rule.name, to, value: status.value, threshold: rule.threshold, at };
    this.changes.push(change);
    if (this.changes.length > HISTORY_MAX) this.changes.shift();
    this.onChange(change);
  }
}

function isBreached(rule: AlertRule, value: number | null): boolean {
  if (value === null) return false;
  return rule.breachedWhen === 'above' ? value > rule.threshold : value < rule.threshold;
}
