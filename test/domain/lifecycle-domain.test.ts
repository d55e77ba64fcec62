import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pseudonymizer } from '../../src/crypto/pseudonym.js';
import { chooseLinkBase, createLinkToken, hashLinkToken, isLinkTokenShaped, linkUrl } from '../../src/domain/link-tokens.js';
import { afterFailure } from '../../src/domain/mail.js';

describe('link tokens', () => {
  test('256 random bits behind a prefix; only the hash is stored', () => {
    const token = createLinkToken();
    assert.match(token, /^asl_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(createLinkToken(), token);
    assert.equal(hashLinkToken(token).length, 32);
    assert.ok(isLinkTokenShaped(token));
    for (const bad of ['', token.slice(0, -1), `${token}A`, token.replace('asl_', 'ast_'), `${token.slice(0, -1)}=`]) {
      assert.equal(isLinkTokenShaped(bad), false, bad);
    }
  });

  test('the token travels in the fragment, never the query', () => {
    const url = new URL(linkUrl('https://app.example/account?tab=security', 'reset_password', 'asl_x'));
    assert.equal(url.searchParams.get('token'), null);
    assert.equal(new URLSearchParams(url.hash.slice(1)).get('token'), 'asl_x');
    assert.equal(new URLSearchParams(url.hash.slice(1)).get('action'), 'reset-password');
  });

  test('a redirect must equal an allowed base exactly', () => {
    const allowed = ['https://app.example/account', 'https://admin.example/auth'];
    assert.equal(chooseLinkBase(allowed, undefined), allowed[0]);
    assert.equal(chooseLinkBase(allowed, allowed[1]), allowed[1]);
    for (const near of ['https://admin.example/auth/', 'https://admin.example/authx', 'HTTPS://admin.example/auth', 'https://admin.example', '']) {
      assert.equal(chooseLinkBase(allowed, near), undefined, near);
    }
  });
});

describe('outbox retries', () => {
  const policy = { maxAttempts: 4, firstDelayMs: 1_000, maxDelayMs: 3_000 };

  test('the delay doubles up to its ceiling, then the mail fails', () => {
    assert.deepEqual(afterFailure(1, false, 'E', 0, policy), { status: 'retry', dueAt: 1_000, error: 'E' });
    assert.deepEqual(afterFailure(2, false, 'E', 0, policy), { status: 'retry', dueAt: 2_000, error: 'E' });
    assert.deepEqual(afterFailure(3, false, 'E', 0, policy), { status: 'retry', dueAt: 3_000, error: 'E' });
    assert.deepEqual(afterFailure(4, false, 'E', 7, policy), { status: 'failed', at: 7, error: 'E' });
  });

  test('a permanent refusal fails at the first attempt', () => {
    assert.deepEqual(afterFailure(1, true, 'EMESSAGE 550', 5, policy), { status: 'failed', at: 5, error: 'EMESSAGE 550' });
  });
});

describe('pseudonyms', () => {
  test('stable per account and key, unlike the id, and different under another key', () => {
    const pseudonym = pseudonymizer(Buffer.alloc(32, 1));
    assert.equal(pseudonym('user-1'), pseudonym('user-1'));
    assert.notEqual(pseudonym('user-1'), pseudonym('user-2'));
    assert.match(pseudonym('user-1'), /^anon_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(pseudonymizer(Buffer.alloc(32, 2))('user-1'), pseudonym('user-1'));
  });
});
