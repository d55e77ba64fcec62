import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { SecretBox } from '../../src/crypto/secret-box.js';

const KEY = Buffer.alloc(32, 7);
const box = new SecretBox(KEY);
const CONTEXT = 'signing-key:kid-1';

/** Flips one bit of the decoded ciphertext+tag and re-encodes it. */
function flipBodyBit(sealed: string, byteIndex: number): string {
  const [version, nonce, body] = sealed.split('.') as [string, string, string];
  const bytes = Buffer.from(body, 'base64url');
  bytes[byteIndex]! ^= 0x01;
  return `${version}.${nonce}.${bytes.toString('base64url')}`;
}

describe('SecretBox', () => {
  test('round trip', () => {
    for (const plaintext of ['', 'a', 'ünïcödé 🔑', 'x'.repeat(10_000)]) {
      assert.equal(box.open(box.seal(plaintext, CONTEXT), CONTEXT), plaintext);
    }
  });

  test('sealed form is v1.<nonce>.<body> in base64url', () => {
    const sealed = box.seal('secret', CONTEXT);
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    const body = Buffer.from(sealed.split('.')[2]!, 'base64url');
    assert.equal(body.length, 'secret'.length + 16); // ciphertext + 16-byte tag
  });

  test('sealing twice gives different values (fresh nonce)', () => {
    assert.notEqual(box.seal('same', CONTEXT), box.seal('same', CONTEXT));
  });

  test('the plaintext does not appear in the sealed value', () => {
    const sealed = box.seal('VERY-SECRET-SEED', CONTEXT);
    assert.equal(sealed.includes('VERY-SECRET-SEED'), false);
    assert.equal(sealed.includes(Buffer.from('VERY-SECRET-SEED').toString('base64url')), false);
  });

  test('a wrong key fails', () => {
    const sealed = box.seal('secret', CONTEXT);
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, CONTEXT), /unable to authenticate/i);
  });

  test('a wrong context fails', () => {
    const sealed = box.seal('secret', CONTEXT);
    assert.throws(() => box.open(sealed, 'signing-key:kid-2'), /unable to authenticate/i);
    assert.throws(() => box.open(sealed, ''), /unable to authenticate/i);
  });

  test('a tampered ciphertext fails', () => {
    const sealed = box.seal('secret', CONTEXT);
    assert.throws(() => box.open(flipBodyBit(sealed, 0), CONTEXT), /unable to authenticate/i);
  });

  test('a tampered tag fails', () => {
    const sealed = box.seal('secret', CONTEXT);
    assert.throws(() => box.open(flipBodyBit(sealed, 'secret'.length + 15), CONTEXT), /unable to authenticate/i);
  });

  test('a tampered nonce fails', () => {
    const [version, nonce, body] = box.seal('secret', CONTEXT).split('.') as [string, string, string];
    const bytes = Buffer.from(nonce, 'base64url');
    bytes[0]! ^= 0x01;
    assert.throws(() => box.open(`${version}.${bytes.toString('base64url')}.${body}`, CONTEXT), /unable to authenticate/i);
  });

  test('a ciphertext moved under another nonce fails', () => {
    const [, nonceA, bodyA] = box.seal('secret-a', CONTEXT).split('.');
    const [, nonceB] = box.seal('secret-b', CONTEXT).split('.');
    assert.notEqual(nonceA, nonceB);
    assert.throws(() => box.open(`v1.${nonceB}.${bodyA}`, CONTEXT), /unable to authenticate/i);
  });

  test('an unknown version fails', () => {
    const [, nonce, body] = box.seal('secret', CONTEXT).split('.');
    assert.throws(() => box.open(`v2.${nonce}.${body}`, CONTEXT), /unknown format/);
    assert.throws(() => box.open(`V1.${nonce}.${body}`, CONTEXT), /unknown format/);
  });

  test('missing parts fail', () => {
    const [, nonce] = box.seal('secret', CONTEXT).split('.');
    assert.throws(() => box.open('', CONTEXT), /unknown format/);
    assert.throws(() => box.open('v1', CONTEXT), /unknown format/);
    assert.throws(() => box.open(`v1.${nonce}`, CONTEXT), /unknown format/);
    assert.throws(() => box.open(`v1.${nonce}.`, CONTEXT), /unknown format/);
  });

  test('a key that is not 32 bytes is refused', () => {
    assert.throws(() => new SecretBox(Buffer.alloc(16)), /32-byte key/);
    assert.throws(() => new SecretBox(Buffer.alloc(33)), /32-byte key/);
  });
});

describe('regressions', () => {
  test('a GCM tag cut to 4 bytes is refused', () => {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', KEY, nonce);
    cipher.setAAD(Buffer.from(CONTEXT));
    const body = Buffer.concat([cipher.update('12345678', 'utf8'), cipher.final(), cipher.getAuthTag().subarray(0, 4)]);
    assert.throws(() => box.open(`v1.${nonce.toString('base64url')}.${body.toString('base64url')}`, CONTEXT));
  });

  test('a sealed value with a fourth part is refused', () => {
    assert.throws(() => box.open(`${box.seal('hello', CONTEXT)}.junk`, CONTEXT));
  });
});
