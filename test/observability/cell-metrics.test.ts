import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { CellCounter, CellHistogram } from '../../src/observability/cell-metrics.js';

function histogram(registry = new Registry()) {
  const metric = new CellHistogram({ name: 'test_seconds', help: 'Test.', labelNames: ['route'], buckets: [0.001, 0.01, 0.1], registry });
  return { registry, metric };
}

describe('CellHistogram', () => {
  test('is exported as a Prometheus histogram: cumulative buckets with inclusive bounds, +Inf, sum, count', async () => {
    const { registry, metric } = histogram();
    const cell = metric.cell('/v1/session');
    for (const value of [0.0005, 0.001, 0.002, 0.5]) cell.observe(value);
    assert.equal(
      await registry.metrics(),
      [
        '# HELP test_seconds Test.',
        '# TYPE test_seconds histogram',
        'test_seconds_bucket{route="/v1/session",le="0.001"} 2',
        'test_seconds_bucket{route="/v1/session",le="0.01"} 3',
        'test_seconds_bucket{route="/v1/session",le="0.1"} 3',
        'test_seconds_bucket{route="/v1/session",le="+Inf"} 4',
        'test_seconds_sum{route="/v1/session"} 0.5035',
        'test_seconds_count{route="/v1/session"} 4',
        '',
      ].join('\n'),
    );
  });

  test('binds one cell per label set, and keeps its counts per bucket', () => {
    const { metric } = histogram();
    assert.equal(metric.cell('/a'), metric.cell('/a'));
    assert.notEqual(metric.cell('/a'), metric.cell('/b'));
    metric.cell('/a').observe(0.05);
    metric.cell('/a').observe(7);
    assert.deepEqual([...metric.cell('/a').counts], [0, 0, 1, 1]);
    assert.deepEqual([...metric.cells()].map((cell) => cell.labels.route), ['/a', '/b']);
  });

  test('reset zeroes the cells it has bound', () => {
    const { registry, metric } = histogram();
    metric.cell('/a').observe(0.05);
    registry.resetMetrics();
    assert.equal(metric.cell('/a').count, 0);
    assert.equal(metric.cell('/a').sum, 0);
  });

  test('refuses the label-object API and a wrong number of labels', () => {
    const { metric } = histogram();
    assert.throws(() => metric.labels(), TypeError);
    assert.throws(() => metric.observe(1), TypeError);
    assert.throws(() => metric.cell('/a', 'extra'), TypeError);
  });
});

describe('CellCounter', () => {
  test('exports every bound cell, at 0 until counted', async () => {
    const registry = new Registry();
    const counter = new CellCounter({ name: 'test_total', help: 'Test.', labelNames: ['tier', 'result'], registry });
    counter.cell('l1', 'hit').inc();
    counter.cell('l1', 'hit').inc(2);
    counter.cell('l1', 'miss');
    assert.equal(
      await registry.metrics(),
      ['# HELP test_total Test.', '# TYPE test_total counter', 'test_total{tier="l1",result="hit"} 3', 'test_total{tier="l1",result="miss"} 0', ''].join('\n'),
    );
    assert.throws(() => counter.inc(), TypeError);
  });
});
