import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeAttempt, retryAfterSeconds, type ProtectionPolicy } from '../../src/domain/protection.js';
import { allowance, isAdmitted, waitMs, type ThrottlePolicy } from '../../src/domain/throttle.js';

const SECOND = 1_000;
const policy: ThrottlePolicy = { free: 5, backoffBaseMs: 30 * SECOND, backoffMaxMs: 120 * SECOND, windowMs: 86_400 * SECOND };
const at = (count: number, startedAt = 0) => ({ count, startedAt, endsAt: startedAt + policy.windowMs });

describe('progressive throttle', () => {
  test('free attempts at once, then waits of 30 s, 60 s, 120 s, then 120 s each (the cap)', () => {
    assert.equal(allowance(policy, 0), 5);
    assert.equal(allowance(policy, 29 * SECOND), 5);
    assert.equal(allowance(policy, 30 * SECOND), 6);
    assert.equal(allowance(policy, 89 * SECOND), 6);
    assert.equal(allowance(policy, 90 * SECOND), 7);
    assert.equal(allowance(policy, 210 * SECOND), 8);
    assert.equal(allowance(policy, 330 * SECOND), 9);
    assert.equal(allowance(policy, 450 * SECOND), 10);
  });

  test('the wait of a refused attempt is the time until the allowance reaches its count', () => {
    assert.equal(waitMs(policy, at(5), 0), 0);
    assert.equal(waitMs(policy, at(6), 0), 30 * SECOND);
    assert.equal(waitMs(policy, at(7), 10 * SECOND), 80 * SECOND);
    assert.equal(waitMs(policy, at(9), 0), 330 * SECOND);
    assert.ok(isAdmitted(policy, at(6), 30 * SECOND));
    assert.ok(!isAdmitted(policy, at(7), 30 * SECOND));
  });

  test('without backoff, a counter over its limit waits for the window to end', () => {
    const lock: ThrottlePolicy = { ...policy, free: 50, backoffBaseMs: 0 };
    const reading = { count: 51, startedAt: 0, endsAt: lock.windowMs };
    assert.ok(!isAdmitted(lock, reading, lock.windowMs - 1));
    assert.equal(waitMs(lock, reading, 1_000), lock.windowMs - 1_000);
  });

  test('a wait never outlasts the window', () => {
    assert.equal(waitMs(policy, { count: 1_000, startedAt: 0, endsAt: 60 * SECOND }, 0), 60 * SECOND);
  });

  test('Retry-After is whole seconds, at least one', () => {
    assert.equal(retryAfterSeconds(0), 1);
    assert.equal(retryAfterSeconds(1_001), 2);
  });
});

describe('judging an attempt', () => {
  const protection: ProtectionPolicy = {
    pair: policy,
    account: { ...policy, free: 10, backoffBaseMs: 0 },
    address: { ...policy, free: 100 },
  };
  const readings = { pair: at(1), account: at(11), address: at(1) };

  test('an unknown client meets the account lock', () => {
    const verdict = judgeAttempt(protection, readings, false, 0);
    assert.equal(verdict.admitted, false);
    assert.equal(!verdict.admitted && verdict.by, 'account');
  });

  test('a known client only meets its own pair limit: a stranger cannot lock the owner out', () => {
    assert.equal(judgeAttempt(protection, readings, true, 0).admitted, true);
    assert.equal(judgeAttempt(protection, { ...readings, pair: at(6) }, true, 0).admitted, false);
  });

  test('the longest wait among the refusing counters is the one reported', () => {
    const verdict = judgeAttempt(protection, { pair: at(6), account: at(11), address: at(1) }, false, 0);
    assert.equal(!verdict.admitted && verdict.by, 'account');
  });
});
