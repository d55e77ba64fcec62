import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultTouchInterval,
  idleExpiresAt,
  isSessionLive,
  needsTouch,
  newSessionTimes,
  type SessionPolicy,
} from '../../src/domain/sessions.js';

// Round numbers, no clock: lifetime 1000 s, idle 100 s, touch every 10 s.
const POLICY: SessionPolicy = { absoluteLifetimeMs: 1_000_000, idleTimeoutMs: 100_000, touchIntervalMs: 10_000 };
const T0 = 1_700_000_000_000;

describe('newSessionTimes', () => {
  test('starts now and ends after the absolute lifetime', () => {
    assert.deepEqual(newSessionTimes(T0, POLICY), { createdAt: T0, expiresAt: T0 + 1_000_000, lastSeenAt: T0 });
  });
});

describe('isSessionLive', () => {
  const fresh = newSessionTimes(T0, POLICY);

  test('live at creation', () => {
    assert.equal(isSessionLive(fresh, T0, POLICY), true);
  });

  test('idle expiry: live 1 ms before lastSeenAt + idle, dead at it', () => {
    assert.equal(isSessionLive(fresh, T0 + 99_999, POLICY), true);
    assert.equal(isSessionLive(fresh, T0 + 100_000, POLICY), false);
  });

  test('a recent touch extends the idle window', () => {
    const touched = { ...fresh, lastSeenAt: T0 + 90_000 };
    assert.equal(isSessionLive(touched, T0 + 189_999, POLICY), true);
    assert.equal(isSessionLive(touched, T0 + 190_000, POLICY), false);
  });

  test('absolute expiry: live 1 ms before expiresAt, dead at it, even if just seen', () => {
    const seenAtEnd = { ...fresh, lastSeenAt: T0 + 999_000 };
    assert.equal(isSessionLive(seenAtEnd, T0 + 999_999, POLICY), true);
    assert.equal(isSessionLive(seenAtEnd, T0 + 1_000_000, POLICY), false);
    assert.equal(isSessionLive(seenAtEnd, T0 + 1_000_001, POLICY), false);
  });
});

describe('idleExpiresAt', () => {
  test('is lastSeenAt + idle timeout while that is before the absolute expiry', () => {
    const session = { ...newSessionTimes(T0, POLICY), lastSeenAt: T0 + 50_000 };
    assert.equal(idleExpiresAt(session, POLICY), T0 + 150_000);
  });

  test('is capped at the absolute expiry', () => {
    const session = { ...newSessionTimes(T0, POLICY), lastSeenAt: T0 + 950_000 };
    assert.equal(idleExpiresAt(session, POLICY), T0 + 1_000_000);
  });

  test('agrees with isSessionLive at its own boundary', () => {
    for (const lastSeenAt of [T0, T0 + 950_000]) {
      const session = { ...newSessionTimes(T0, POLICY), lastSeenAt };
      const end = idleExpiresAt(session, POLICY);
      assert.equal(isSessionLive(session, end - 1, POLICY), true);
      assert.equal(isSessionLive(session, end, POLICY), false);
    }
  });
});

describe('needsTouch', () => {
  const session = newSessionTimes(T0, POLICY);

  test('not before the touch interval has passed', () => {
    assert.equal(needsTouch(session, T0, POLICY), false);
    assert.equal(needsTouch(session, T0 + 9_999, POLICY), false);
  });

  test('exactly at and after the touch interval', () => {
    assert.equal(needsTouch(session, T0 + 10_000, POLICY), true);
    assert.equal(needsTouch(session, T0 + 50_000, POLICY), true);
  });
});

describe('defaultTouchInterval', () => {
  test('is a tenth of the idle timeout in the middle range', () => {
    assert.equal(defaultTouchInterval(100_000), 10_000);
    assert.equal(defaultTouchInterval(300_000), 30_000);
  });

  test('never exceeds one minute', () => {
    assert.equal(defaultTouchInterval(600_000), 60_000);
    assert.equal(defaultTouchInterval(24 * 3_600_000), 60_000);
  });

  test('never drops below one second', () => {
    assert.equal(defaultTouchInterval(10_000), 1_000);
    assert.equal(defaultTouchInterval(5_000), 1_000);
  });

  test('stays at most a tenth of every idle timeout config allows (10 s to 400 d)', () => {
    for (const idle of [10_000, 10_001, 59_999, 600_001, 400 * 86_400_000]) {
      const touch = defaultTouchInterval(idle);
      assert.ok(touch <= idle / 10, `idle ${idle} ms gives touch ${touch} ms`);
      assert.ok(Number.isInteger(touch));
    }
  });
});
