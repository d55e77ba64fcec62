import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeBase32, encodeBase32 } from '../../src/domain/base32.js';
import { createRecoveryCodes, hashRecoveryCode, RECOVERY_CODE_COUNT } from '../../src/domain/recovery-codes.js';
import { createTotpSecret, hotp, matchTotp, timeStep, type HotpAlgorithm } from '../../src/domain/totp.js';

/** RFC 6238 Appendix B: seeds are the ASCII digits repeated to the hash's block size. */
const SEEDS: Record<HotpAlgorithm, Buffer> = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};

const RFC6238_VECTORS: Array<[number, string, HotpAlgorithm]> = [
  [59, '94287082', 'sha1'],
  [59, '46119246', 'sha256'],
  [59, '90693936', 'sha512'],
  [1111111109, '07081804', 'sha1'],
  [1111111109, '68084774', 'sha256'],
  [1111111109, '25091201', 'sha512'],
  [1111111111, '14050471', 'sha1'],
  [1111111111, '67062674', 'sha256'],
  [1111111111, '99943326', 'sha512'],
  [1234567890, '89005924', 'sha1'],
  [1234567890, '91819424', 'sha256'],
  [1234567890, '93441116', 'sha512'],
  [2000000000, '69279037', 'sha1'],
  [2000000000, '90698825', 'sha256'],
  [2000000000, '38618901', 'sha512'],
  [20000000000, '65353130', 'sha1'],
  [20000000000, '77737706', 'sha256'],
  [20000000000, '47863826', 'sha512'],
];

describe('TOTP (RFC 6238)', () => {
  for (const [seconds, expected, algorithm] of RFC6238_VECTORS) {
    test(`T=${seconds} ${algorithm} gives ${expected}`, () => {
      assert.equal(hotp(SEEDS[algorithm], timeStep(seconds * 1000), 8, algorithm), expected);
    });
  }

  test('RFC 4226 Appendix D HOTP values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => assert.equal(hotp(SEEDS.sha1, counter), code));
  });

  const secret = SEEDS.sha1;
  const now = 1_111_111_111_000;
  const step = timeStep(now);

  test('accepts the current step and one on either side, nothing further', () => {
    assert.equal(matchTotp(secret, hotp(secret, step), now, null), step);
    assert.equal(matchTotp(secret, hotp(secret, step - 1), now, null), step - 1);
    assert.equal(matchTotp(secret, hotp(secret, step + 1), now, null), step + 1);
    assert.equal(matchTotp(secret, hotp(secret, step - 2), now, null), undefined);
    assert.equal(matchTotp(secret, hotp(secret, step + 2), now, null), undefined);
  });

  test('refuses a step at or before the last one used: no replay inside the window', () => {
    assert.equal(matchTotp(secret, hotp(secret, step), now, step), undefined);
    assert.equal(matchTotp(secret, hotp(secret, step - 1), now, step - 1), undefined);
    assert.equal(matchTotp(secret, hotp(secret, step + 1), now, step), step + 1);
  });

  test('refuses anything but six digits', () => {
    for (const code of ['', '12345', '1234567', '12345a', ' 123456', '١٢٣٤٥٦']) {
      assert.equal(matchTotp(secret, code, now, null), undefined, code);
    }
  });

  test('secrets are 160 random bits and survive base32', () => {
    const one = createTotpSecret();
    assert.equal(one.length, 20);
    assert.notDeepEqual(one, createTotpSecret());
    assert.equal(encodeBase32(one).length, 32);
    assert.deepEqual(decodeBase32(encodeBase32(one)), one);
    assert.equal(encodeBase32(Buffer.from('foobar')), 'MZXW6YTBOI');
  });
});

describe('recovery codes', () => {
  test('ten distinct codes of 80 bits, hashed alike however they are typed', () => {
    const codes = createRecoveryCodes();
    assert.equal(codes.length, RECOVERY_CODE_COUNT);
    assert.equal(new Set(codes).size, RECOVERY_CODE_COUNT);
    for (const code of codes) assert.match(code, /^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    const first = codes[0]!;
    assert.deepEqual(hashRecoveryCode(first.toLowerCase().replace(/-/g, ' ')), hashRecoveryCode(first));
    assert.notDeepEqual(hashRecoveryCode(codes[1]!), hashRecoveryCode(first));
  });
});
