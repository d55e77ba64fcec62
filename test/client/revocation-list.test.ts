import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RevocationList, type Revocation } from '../../src/client/revocation-list.js';
import type { FeedRevocation as PublishedRevocation } from '../../src/events/revocation-log.js';

// The client's copy of the feed's event shape is the one the service publishes, both ways.
const asClient = (published: PublishedRevocation): Revocation => published;
const asPublished = (received: Revocation): PublishedRevocation => received;
void [asClient, asPublished];

/**
 * The verifier's memory of revocations, with times set by hand. `at` is in
 * milliseconds, `iat` in whole seconds: the boundary cases live here.
 */
const T = 1_800_000_000_000;
const options = { retentionMs: 400_000, skewMs: 2_000, maxEntries: 100 };
const token = (issuedAtMs: number, sessionId = 's1', userId = 'u1') => ({ sessionId, userId, issuedAt: Math.floor(issuedAtMs / 1000) });

describe('revocation list', () => {
  test('a session revocation refuses every token of that session, whenever issued', () => {
    const list = new RevocationList(options);
    list.add({ kind: 'session', sessionId: 's1', userId: 'u1', at: T });
    assert.equal(list.standing(token(T - 60_000)), 'revoked');
    assert.equal(list.standing(token(T + 60_000)), 'revoked');
    assert.equal(list.standing(token(T, 's2')), 'clear');
  });

  test('a user revocation: surely before is revoked, surely after is clear, the seconds around it are checked', () => {
    const list = new RevocationList(options);
    list.add({ kind: 'user', userId: 'u1', exceptSessionId: null, at: T + 500 });
    assert.equal(list.standing(token(T - 3_000)), 'revoked', 'iat second ends before at - skew');
    assert.equal(list.standing(token(T - 1_000)), 'check', 'inside the skew window');
    assert.equal(list.standing(token(T + 400)), 'check', 'same second as the revocation: iat reads as before it');
    assert.equal(list.standing(token(T + 900)), 'check', 'same second, issued after the revocation');
    assert.equal(list.standing(token(T + 3_000)), 'clear');
    assert.equal(list.standing(token(T - 60_000, 's9', 'u2')), 'clear', 'other users are untouched');
  });

  test('the session kept by a password change is exempt', () => {
    const list = new RevocationList(options);
    list.add({ kind: 'user', userId: 'u1', exceptSessionId: 'keep', at: T });
    assert.equal(list.standing(token(T - 60_000, 'keep')), 'clear');
    assert.equal(list.standing(token(T - 60_000, 'other')), 'revoked');
  });

  test('a session the service called live is no longer checked for revocations known before the check', () => {
    const list = new RevocationList(options);
    list.add({ kind: 'user', userId: 'u1', exceptSessionId: null, at: T });
    const position = list.position;
    list.confirmLive(token(T), position);
    assert.equal(list.standing(token(T)), 'clear');

    list.add({ kind: 'user', userId: 'u1', exceptSessionId: null, at: T + 500 });
    assert.equal(list.standing(token(T)), 'check', 'a later revocation is judged afresh');
  });

  test('a confirmation from a check begun before a revocation does not clear it', () => {
    const list = new RevocationList(options);
    const position = list.position;
    list.add({ kind: 'user', userId: 'u1', exceptSessionId: null, at: T });
    list.confirmLive(token(T), position);
    assert.equal(list.standing(token(T)), 'check');
  });

  test('after a partial replay, older tokens are checked once per session', () => {
    const list = new RevocationList(options);
    list.markSuspect(T);
    assert.equal(list.standing(token(T - 100_000)), 'check');
    assert.equal(list.standing(token(T + 5_000)), 'clear');
    list.confirmLive(token(T - 100_000), list.position);
    assert.equal(list.standing(token(T - 100_000)), 'clear');
    assert.equal(list.standing(token(T - 100_000, 's2')), 'check');
  });

  test('entries are forgotten once no live token can be touched by them', () => {
    const list = new RevocationList(options);
    list.add({ kind: 'session', sessionId: 's1', userId: 'u1', at: T });
    list.add({ kind: 'user', userId: 'u2', exceptSessionId: null, at: T });
    list.observe(T + options.retentionMs - 1);
    list.prune();
    assert.equal(list.size, 2);
    list.observe(T + options.retentionMs + 1);
    list.prune();
    assert.equal(list.size, 0);
  });

  test('past its cap it forgets everything and checks every older session once, never accepts blindly', () => {
    const list = new RevocationList({ ...options, maxEntries: 3 });
    for (let n = 0; n < 4; n++) list.add({ kind: 'session', sessionId: `s${n}`, userId: 'u1', at: T + n });
    assert.equal(list.size, 0);
    assert.equal(list.standing(token(T - 10_000, 's0')), 'check');
  });
});
