import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  SESSION_TOKEN_PREFIX,
  createSessionId,
  createSessionToken,
  hashSessionToken,
  isSessionTokenShaped,
} from '../../src/domain/session-tokens.js';

describe('createSessionToken', () => {
  test('is the prefix and 43 base64url characters', () => {
    const token = createSessionToken();
    assert.equal(SESSION_TOKEN_PREFIX, 'ast_');
    assert.match(token, /^ast_[A-Za-z0-9_-]{43}$/);
  });

  test('carries 256 bits', () => {
    const body = createSessionToken().slice(SESSION_TOKEN_PREFIX.length);
    assert.equal(Buffer.from(body, 'base64url').length, 32);
  });

  test('tokens differ', () => {
    const tokens = new Set(Array.from({ length: 1_000 }, () => createSessionToken()));
    assert.equal(tokens.size, 1_000);
  });

  test('is shaped as isSessionTokenShaped expects', () => {
    for (let i = 0; i < 100; i++) assert.equal(isSessionTokenShaped(createSessionToken()), true);
  });
});

describe('isSessionTokenShaped: near misses', () => {
  // A fixed token: a random one starting with '_' would make `ast${body}A`
  // well formed and the test fail once in 64 runs.
  const body = Buffer.alloc(32, 0x07).toString('base64url');
  const token = `ast_${body}`;

  test('the fixed token itself is well formed', () => {
    assert.equal(isSessionTokenShaped(token), true);
  });

  test('one character short or long', () => {
    assert.equal(isSessionTokenShaped(token.slice(0, -1)), false);
    assert.equal(isSessionTokenShaped(`${token}A`), false);
  });

  test('wrong or missing prefix', () => {
    assert.equal(isSessionTokenShaped(`ast-${body}`), false);
    assert.equal(isSessionTokenShaped(`AST_${body}`), false);
    assert.equal(isSessionTokenShaped(`ast${body}A`), false);
    assert.equal(isSessionTokenShaped(`${body}AAAA`), false);
  });

  test('standard base64 characters and padding', () => {
    assert.equal(isSessionTokenShaped(`ast_${body.slice(0, -1)}+`), false);
    assert.equal(isSessionTokenShaped(`ast_${body.slice(0, -1)}/`), false);
    assert.equal(isSessionTokenShaped(`ast_${body.slice(0, -1)}=`), false);
  });

  test('trailing newline, whitespace and NUL', () => {
    assert.equal(isSessionTokenShaped(`${token}\n`), false);
    assert.equal(isSessionTokenShaped(`${token.slice(0, -1)}\n`), false);
    assert.equal(isSessionTokenShaped(` ${token.slice(1)}`), false);
    assert.equal(isSessionTokenShaped(`${token.slice(0, -1)}\0`), false);
  });

  test('empty and a lookalike non-ASCII character', () => {
    assert.equal(isSessionTokenShaped(''), false);
    assert.equal(isSessionTokenShaped(`ast_${body.slice(0, -1)}\u0410`), false); // Cyrillic A
  });
});

describe('hashSessionToken', () => {
  test('is the SHA-256 of the whole token, prefix included', () => {
    const token = createSessionToken();
    const expected = createHash('sha256').update(token).digest('base64');
    assert.deepEqual(hashSessionToken(token), expected);
    assert.notDeepEqual(hashSessionToken(token), createHash('sha256').update(token.slice(4)).digest('base64'));
  });

  test('a fixed vector (computed with coreutils sha256sum)', () => {
    const token = `ast_${'A'.repeat(43)}`;
    assert.equal(Buffer.from(hashSessionToken(token), 'base64').toString('hex'), '928b8c8299f62790b71cc190166d9068189b797ca5b5fdcf1527efdf3cc5d0a9');
  });

  test('different tokens give different hashes', () => {
    assert.notDeepEqual(hashSessionToken(createSessionToken()), hashSessionToken(createSessionToken()));
  });
});

describe('createSessionId', () => {
  test('is 128 bits of base64url, unique, and not a token', () => {
    const id = createSessionId();
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(isSessionTokenShaped(id), false);
    assert.notEqual(createSessionId(), id);
  });
});
