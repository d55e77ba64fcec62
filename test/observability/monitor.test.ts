import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import type { AlertSettings } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { PrometheusMetrics } from '../../src/observability/metrics.js';
import { Monitor } from '../../src/observability/monitor.js';

const SETTINGS: AlertSettings = {
  windowMs: 10_000,
  forMs: 0,
  apiLatencyMs: 100,
  queryTimeMs: 25,
  cacheHitRatio: 0.95,
  poolUse: 0.8,
  errorRate: 0.01,
};
const T0 = Date.UTC(2026, 0, 1);
const SECOND = 1_000;

/** A monitor over fresh metrics, its clock moved by hand, its log lines kept. */
function setup(settings: Partial<AlertSettings> = {}) {
  const metrics = new PrometheusMetrics();
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const monitor = new Monitor(metrics, { ...SETTINGS, ...settings }, createLogger('info', sink), T0);
  let now = T0;
  const tick = async (seconds = 1) => {
    for (let step = 0; step < seconds; step++) {
      now += SECOND;
      monitor.tick(now);
    }
  };
  const state = (name: string) => monitor.alerts().alerts.find((alert) => alert.name === name)!.state;
  return { metrics, monitor, lines, tick, state };
}

function observe(metrics: PrometheusMetrics, method: string, route: string, status: number, seconds: number, times: number) {
  const timer = metrics.requestTimer(method, route);
  for (let n = 0; n < times; n++) timer.observe(status, seconds);
}

describe('Monitor', () => {
  test('reads rates, quantiles and the error rate of API traffic from the metrics', async () => {
    const { metrics, monitor, tick } = setup();
    observe(metrics, 'GET', '/v1/session', 200, 0.0004, 90);
    observe(metrics, 'POST', '/v1/login', 200, 0.045, 10);
    observe(metrics, 'GET', '/metrics', 200, 0.002, 50);
    await tick();
    const stats = monitor.stats();
    assert.equal(stats.requestRate, 100, '/metrics is not API traffic');
    assert.equal(stats.errorRate, 0);
    assert.equal(stats.latency.api.count, 100);
    assert.ok(stats.latency.session.count === 0, 'session checks are timed by the auth service, not here');
    assert.ok(stats.latency.login.p50! > 25 && stats.latency.login.p50! <= 50, `login p50 ${stats.latency.login.p50}`);
    assert.ok(stats.latency.api.p50! > 0.3 && stats.latency.api.p50! <= 0.5, `api p50 ${stats.latency.api.p50}`);
  });

  test('an error rate past 1 % fires once, is logged once at warn, and resolves when the window forgets it', async () => {
    const { metrics, lines, tick, state } = setup();
    observe(metrics, 'GET', '/v1/session', 200, 0.001, 95);
    observe(metrics, 'GET', '/v1/session', 503, 0.001, 5);
    await tick(3);
    assert.equal(state('error_rate'), 'firing');
    assert.deepEqual(lines.filter((line) => line.msg === 'alert firing').map((line) => [line.level, line.alert, line.value]), [[40, 'error_rate', 0.05]]);

    await tick(10);
    assert.equal(state('error_rate'), 'ok');
    assert.deepEqual(lines.filter((line) => line.msg === 'alert resolved').map((line) => [line.level, line.alert]), [[30, 'error_rate']]);
  });

  test('fewer than 20 requests in the window raise nothing, however slow', async () => {
    const { metrics, tick, state } = setup();
    observe(metrics, 'POST', '/v1/login', 500, 2, 19);
    await tick();
    assert.equal(state('api_latency'), 'ok');
    assert.equal(state('error_rate'), 'ok');
    observe(metrics, 'POST', '/v1/login', 500, 2, 1);
    await tick();
    assert.equal(state('api_latency'), 'firing');
    assert.equal(state('error_rate'), 'firing');
  });

  test('slow queries, a cold cache and a busy pool fire their alerts', async () => {
    const { metrics, monitor, tick, state } = setup();
    for (let n = 0; n < 30; n++) metrics.queryTimed('findSessionByTokenHash', 0.04);
    for (let n = 0; n < 60; n++) metrics.cacheHit('l1');
    for (let n = 0; n < 40; n++) metrics.cacheMiss('l1');
    for (let n = 0; n < 30; n++) metrics.cacheHit('l2');
    metrics.watchPool(() => ({ max: 10, inUse: 9, idle: 1, waiting: 3 }));
    await tick();
    assert.equal(state('query_time'), 'firing');
    assert.equal(state('cache_hit_ratio'), 'firing', '90 of 100 lookups answered by a cache');
    assert.equal(state('pool_use'), 'firing');
    const stats = monitor.stats();
    assert.equal(stats.cache.hitRatio, 0.9);
    assert.deepEqual(stats.cache.tiers.l1, { hits: 60, misses: 40, ratio: 0.6 });
    assert.deepEqual(stats.pool, { inUse: 9, max: 10, waiting: 3, use: 0.9 });
  });

  test('holds one row per second of the window, however long it runs', async () => {
    const { metrics, monitor, tick } = setup();
    const timer = metrics.requestTimer('GET', '/v1/session');
    for (let second = 0; second < 100; second++) {
      timer.observe(200, 0.0005);
      await tick();
    }
    const stats = monitor.stats();
    assert.equal(stats.windowSeconds, 10);
    assert.equal(stats.series.at.length, 10);
    assert.equal(stats.series.requestRate.length, 10);
    assert.deepEqual(stats.series.requestRate, Array(10).fill(1));
    assert.equal(stats.series.at.at(-1), T0 + 100 * SECOND);
  });
});
