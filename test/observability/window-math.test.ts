import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { quantile } from '../../src/observability/quantile.js';
import { RowRing } from '../../src/observability/ring.js';

describe('quantile', () => {
  const bounds = [0.001, 0.01, 0.1, 1];

  test('interpolates inside the bucket the rank falls in, as histogram_quantile does', () => {
    // 100 observations: 50 at or below 1 ms, 40 in (1 ms, 10 ms], 10 in (10 ms, 100 ms].
    const counts = [50, 40, 10, 0, 0];
    assert.equal(quantile(0.5, counts, bounds), 0.001);
    assert.ok(Math.abs(quantile(0.7, counts, bounds)! - 0.0055) < 1e-12);
    assert.ok(Math.abs(quantile(0.95, counts, bounds)! - 0.055) < 1e-12);
  });

  test('the first bucket starts at zero', () => {
    assert.equal(quantile(0.5, [10, 0, 0, 0, 0], bounds), 0.0005);
  });

  test('is null without observations and the top bound when the rank is in +Inf', () => {
    assert.equal(quantile(0.99, [0, 0, 0, 0, 0], bounds), null);
    assert.equal(quantile(0.99, [1, 0, 0, 0, 99], bounds), 1);
  });

  test('skips empty buckets below the rank', () => {
    assert.ok(Math.abs(quantile(0.5, [0, 0, 4, 0, 0], bounds)! - 0.055) < 1e-12);
  });
});

describe('RowRing', () => {
  test('keeps only the newest rows and sums any span of them', () => {
    const ring = new RowRing(3, 2);
    for (let value = 1; value <= 5; value++) ring.push().set([value, value * 10]);
    assert.equal(ring.length, 3);
    assert.deepEqual([...ring.row(0)!], [5, 50]);
    assert.deepEqual([...ring.row(2)!], [3, 30]);
    assert.equal(ring.row(3), undefined);
    assert.deepEqual([...ring.sum()], [12, 120]);
    assert.deepEqual([...ring.sum(2, 1)], [7, 70]);
    assert.deepEqual([...ring.sum(10, 2)], [3, 30]);
  });

  test('a pushed row starts at zero', () => {
    const ring = new RowRing(1, 2);
    ring.push().set([7, 7]);
    assert.deepEqual([...ring.push()], [0, 0]);
  });
});
