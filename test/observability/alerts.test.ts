import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AlertSettings } from '../../src/config.js';
import { AlertBook, alertRules, type AlertChange } from '../../src/observability/alerts.js';
import type { Figures } from '../../src/observability/traffic-window.js';

const SETTINGS: AlertSettings = {
  windowMs: 60_000,
  forMs: 30_000,
  apiLatencyMs: 100,
  queryTimeMs: 25,
  cacheHitRatio: 0.95,
  poolUse: 0.8,
  errorRate: 0.01,
};
const QUIET: Figures = { apiLatencyMs: 3, queryTimeMs: 1, cacheHitRatio: 0.99, poolUse: 0.1, errorRate: 0 };
const SECOND = 1_000;

function book(forMs = SETTINGS.forMs) {
  const changes: AlertChange[] = [];
  const alerts = new AlertBook(alertRules({ ...SETTINGS, forMs }), forMs, (change) => changes.push(change));
  const state = (name: string) => alerts.list().find((alert) => alert.name === name)!.state;
  return { alerts, changes, state };
}

describe('alert rules', () => {
  test('default to the seed report thresholds', () => {
    const rules = Object.fromEntries(alertRules(SETTINGS).map((rule) => [rule.name, [rule.breachedWhen, rule.threshold]]));
    assert.deepEqual(rules, {
      api_latency: ['above', 100],
      query_time: ['above', 25],
      cache_hit_ratio: ['below', 0.95],
      pool_use: ['above', 0.8],
      error_rate: ['above', 0.01],
    });
  });
});

describe('AlertBook', () => {
  test('fires once the figure has stayed past its threshold for the set time, and reports it once', () => {
    const { alerts, changes, state } = book();
    const slow = { ...QUIET, apiLatencyMs: 180 };
    alerts.evaluate(slow, 0);
    assert.equal(state('api_latency'), 'pending');
    alerts.evaluate(slow, 29 * SECOND);
    assert.equal(state('api_latency'), 'pending');
    alerts.evaluate(slow, 30 * SECOND);
    alerts.evaluate(slow, 31 * SECOND);
    assert.equal(state('api_latency'), 'firing');
    assert.deepEqual(changes.map((c) => [c.name, c.to, c.value, c.threshold]), [['api_latency', 'firing', 180, 100]]);
  });

  test('a breach shorter than the set time never fires', () => {
    const { alerts, changes, state } = book();
    alerts.evaluate({ ...QUIET, errorRate: 0.2 }, 0);
    alerts.evaluate(QUIET, 10 * SECOND);
    alerts.evaluate({ ...QUIET, errorRate: 0.2 }, 20 * SECOND);
    alerts.evaluate({ ...QUIET, errorRate: 0.2 }, 45 * SECOND);
    assert.equal(state('error_rate'), 'pending', 'the clock restarted at 20 s');
    assert.equal(changes.length, 0);
  });

  test('resolves only after the figure has stayed back for the set time, so it does not flap', () => {
    const { alerts, changes, state } = book();
    const low = { ...QUIET, cacheHitRatio: 0.5 };
    alerts.evaluate(low, 0);
    alerts.evaluate(low, 30 * SECOND);
    alerts.evaluate(QUIET, 40 * SECOND);
    alerts.evaluate(low, 50 * SECOND);
    alerts.evaluate(QUIET, 60 * SECOND);
    assert.equal(state('cache_hit_ratio'), 'firing');
    alerts.evaluate(QUIET, 90 * SECOND);
    assert.equal(state('cache_hit_ratio'), 'ok');
    assert.deepEqual(changes.map((c) => c.to), ['firing', 'resolved']);
    assert.equal(alerts.history()[0]!.to, 'resolved', 'newest first');
  });

  test('with no time set, fires and resolves at the first evaluation', () => {
    const { alerts, changes } = book(0);
    alerts.evaluate({ ...QUIET, poolUse: 0.9 }, 0);
    alerts.evaluate(QUIET, SECOND);
    assert.deepEqual(changes.map((c) => [c.name, c.to]), [['pool_use', 'firing'], ['pool_use', 'resolved']]);
  });

  test('a figure the window cannot tell yet counts as inside its threshold', () => {
    const { alerts, state } = book(0);
    alerts.evaluate({ apiLatencyMs: null, queryTimeMs: null, cacheHitRatio: null, poolUse: null, errorRate: null }, 0);
    assert.ok(alerts.list().every((alert) => alert.state === 'ok' && alert.value === null));
    assert.equal(state('cache_hit_ratio'), 'ok');
  });

  test('keeps a bounded history', () => {
    const { alerts } = book(0);
    for (let step = 0; step < 200; step++) alerts.evaluate(step % 2 ? QUIET : { ...QUIET, queryTimeMs: 90 }, step * SECOND);
    assert.equal(alerts.history().length, 50);
  });
});
