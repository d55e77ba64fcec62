import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashFormat } from '../../src/domain/password-hashes.js';
import { ARGON2I_CURRENT_COST, ARGON2ID_CURRENT, ARGON2ID_OTHER_COST, BCRYPT_72_A, BCRYPT_VECTORS } from '../passwords/vectors.js';

const BCRYPT_B = '$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG';

describe('hashFormat: recognised', () => {
  test('argon2id, argon2i and argon2d PHC strings', () => {
    assert.equal(hashFormat(ARGON2ID_CURRENT), 'argon2');
    assert.equal(hashFormat(ARGON2ID_OTHER_COST), 'argon2');
    assert.equal(hashFormat(ARGON2I_CURRENT_COST), 'argon2');
    assert.equal(hashFormat(ARGON2ID_CURRENT.replace('$argon2id$', '$argon2d$')), 'argon2');
  });

  test('argon2 without the v= field (pre-1.3 encoders)', () => {
    assert.equal(hashFormat(ARGON2ID_CURRENT.replace('v=19$', '')), 'argon2');
  });

  test('bcrypt $2a$, $2b$ and $2y$', () => {
    for (const vector of BCRYPT_VECTORS) assert.equal(hashFormat(vector.hash), 'bcrypt', vector.prefix);
    assert.equal(hashFormat(BCRYPT_72_A), 'bcrypt');
  });

  test('bcrypt costs 04 and 31 are the bounds', () => {
    assert.equal(hashFormat(BCRYPT_B.replace('$04$', '$31$')), 'bcrypt');
    assert.equal(hashFormat(BCRYPT_B.replace('$04$', '$10$')), 'bcrypt');
  });
});

describe('hashFormat: unknown', () => {
  test('empty and free text', () => {
    assert.equal(hashFormat(''), 'unknown');
    assert.equal(hashFormat('hunter2'), 'unknown');
  });

  test('other crypt schemes', () => {
    assert.equal(hashFormat('$1$saltsalt$qjXMvbEw8oaL.CzflDugX/'), 'unknown'); // md5-crypt shape
    assert.equal(hashFormat(`$6$rounds=5000$salt$${'a'.repeat(86)}`), 'unknown'); // sha512-crypt shape
    assert.equal(hashFormat('$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA'), 'unknown');
    assert.equal(hashFormat('pbkdf2_sha256$600000$salt$aGFzaA=='), 'unknown');
  });

  test('bcrypt $2x$ and $2$ variants', () => {
    assert.equal(hashFormat(BCRYPT_B.replace('$2b$', '$2x$')), 'unknown');
    assert.equal(hashFormat(BCRYPT_B.replace('$2b$', '$2$')), 'unknown');
  });

  test('bcrypt cost out of range or badly written', () => {
    assert.equal(hashFormat(BCRYPT_B.replace('$04$', '$03$')), 'unknown');
    assert.equal(hashFormat(BCRYPT_B.replace('$04$', '$32$')), 'unknown');
    assert.equal(hashFormat(BCRYPT_B.replace('$04$', '$4$')), 'unknown');
  });

  test('bcrypt one character short, long, or with a foreign character', () => {
    assert.equal(hashFormat(BCRYPT_B.slice(0, -1)), 'unknown');
    assert.equal(hashFormat(`${BCRYPT_B}G`), 'unknown');
    assert.equal(hashFormat(`${BCRYPT_B.slice(0, -1)}+`), 'unknown');
    assert.equal(hashFormat(`${BCRYPT_B}\n`), 'unknown');
  });

  test('argon2 with a missing parameter, padding, or a foreign variant', () => {
    assert.equal(hashFormat(ARGON2ID_CURRENT.replace(',p=1', '')), 'unknown');
    assert.equal(hashFormat(`${ARGON2ID_CURRENT}=`), 'unknown');
    assert.equal(hashFormat(ARGON2ID_CURRENT.replace('$argon2id$', '$argon2x$')), 'unknown');
    assert.equal(hashFormat(ARGON2ID_CURRENT.replace('$argon2id$', '$argon2$')), 'unknown');
    assert.equal(hashFormat(` ${ARGON2ID_CURRENT}`), 'unknown');
  });

  test('argon2 with no salt or no hash', () => {
    const [, , version, params] = ARGON2ID_CURRENT.split('$');
    assert.equal(hashFormat(`$argon2id$${version}$${params}$$aGFzaA`), 'unknown');
    assert.equal(hashFormat(`$argon2id$${version}$${params}$c2FsdHNhbHQ`), 'unknown');
  });
});
