import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkNewPassword,
  codePointLength,
  exceedsMaxLength,
  normalizePassword,
  type PasswordPolicy,
} from '../../src/domain/password-policy.js';
import { commonPasswordCheck, loadCommonPasswords } from '../../src/passwords/common-passwords.js';

/** The defaults of src/config.ts: ASTRAL_PASSWORD_MIN_LENGTH=15, ASTRAL_PASSWORD_MAX_LENGTH=256. */
const POLICY: PasswordPolicy = { minLength: 15, maxLength: 256 };
const isCommon = commonPasswordCheck(loadCommonPasswords());
const neverCommon = (): boolean => false;

const EMOJI = '\u{1F511}'; // 🔑: one code point, two UTF-16 units
const PASSPHRASE = 'correct horse battery staple';

describe('length', () => {
  test('15 characters is the default floor', () => {
    assert.deepEqual(checkNewPassword('plum-orbit-yak7', POLICY, isCommon), []);
    assert.deepEqual(checkNewPassword('plum-orbit-yak', POLICY, isCommon), ['too_short']);
  });

  test('64 characters are always accepted, whatever the ceiling allowed by config', () => {
    const sixtyFour = 'quiet lantern over the harbour while gulls argue about sardines!';
    assert.equal(sixtyFour.length, 64);
    assert.deepEqual(checkNewPassword(sixtyFour, POLICY, isCommon), []);
    assert.deepEqual(checkNewPassword(sixtyFour, { minLength: 15, maxLength: 64 }, isCommon), []);
  });

  test('over the ceiling returns too_long alone', () => {
    assert.deepEqual(checkNewPassword('password'.repeat(32) + '!', POLICY, isCommon), ['too_long']); // 257
    assert.equal(checkNewPassword('password'.repeat(32), POLICY, isCommon).includes('too_long'), false); // 256
  });

  test('too_long does no other work: no blocklist lookup, no normalisation', () => {
    let lookups = 0;
    const spy = (): boolean => {
      lookups++;
      return true;
    };
    const huge = 'astral'.repeat(200_000); // 1.2 M characters, also contextual and common-looking
    assert.deepEqual(checkNewPassword(huge, POLICY, spy, { email: 'astral@x.com' }), ['too_long']);
    assert.equal(lookups, 0);
  });

  test('lengths count code points, not UTF-16 units', () => {
    assert.equal(codePointLength(EMOJI.repeat(15)), 15);
    assert.deepEqual(checkNewPassword(EMOJI.repeat(15), POLICY, isCommon).includes('too_short'), false);
    assert.deepEqual(checkNewPassword(EMOJI.repeat(14), POLICY, isCommon).includes('too_short'), true);
  });

  test('the ceiling counts code points: 256 emoji (512 UTF-16 units) fit, 257 do not', () => {
    assert.equal(exceedsMaxLength(EMOJI.repeat(256), POLICY), false);
    const mixed = `${EMOJI}x`.repeat(128); // 256 code points, 384 UTF-16 units
    assert.equal(checkNewPassword(mixed, POLICY, isCommon).includes('too_long'), false);
    assert.equal(exceedsMaxLength(EMOJI.repeat(257), POLICY), true);
    assert.deepEqual(checkNewPassword(EMOJI.repeat(257), POLICY, isCommon), ['too_long']);
  });
});

describe('normalisation', () => {
  test('normalizePassword applies NFKC', () => {
    assert.equal(normalizePassword('\uFF50\uFF41\uFF53\uFF53'), 'pass'); // fullwidth
    assert.equal(normalizePassword('Jose\u0301'), 'Jos\u00E9');
    assert.equal(normalizePassword('\uFB01'), 'fi'); // ligature
  });

  test('the length floor is judged on the NFKC form', () => {
    // 8 ligatures "ﬃ" expand to 24 characters under NFKC.
    const ligatures = 'r\uFB03z\uFB03q\uFB03w\uFB03';
    assert.equal(codePointLength(ligatures), 8);
    assert.equal(checkNewPassword(ligatures, POLICY, isCommon).includes('too_short'), false);
  });

  test('the blocklist sees the NFKC form: fullwidth "passwordpassword" is common', () => {
    const fullwidth = 'passwordpassword'.replace(/[a-z]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));
    assert.notEqual(fullwidth, 'passwordpassword');
    assert.ok(checkNewPassword(fullwidth, POLICY, isCommon).includes('common'));
  });
});

describe('common passwords (the real 49k list)', () => {
  test('entries of at least 15 characters are refused', () => {
    for (const common of ['passwordpassword', '1qaz2wsx3edc4rfv', 'qwerty123456789']) {
      assert.ok(checkNewPassword(common, POLICY, isCommon).includes('common'), common);
    }
  });

  test('the blocklist is checked case-insensitively', () => {
    assert.ok(checkNewPassword('PasswordPassword', POLICY, isCommon).includes('common'));
  });

  test('with a lower floor, short common passwords are refused too', () => {
    assert.deepEqual(checkNewPassword('password', { minLength: 8, maxLength: 256 }, isCommon), ['common']);
    assert.deepEqual(checkNewPassword('iloveyou', { minLength: 8, maxLength: 256 }, isCommon), ['common']);
  });

  test('an uncommon password is not flagged', () => {
    assert.equal(checkNewPassword('vermilion-otter-sings', POLICY, isCommon).includes('common'), false);
  });
});

describe('contextual words', () => {
  const context = { email: 'margaret.h@example.com', name: 'Margaret Hamilton' };

  test('the email local part, alone or padded', () => {
    assert.ok(checkNewPassword('margaret.h2024!!!!!!', POLICY, neverCommon, context).includes('contextual'));
    assert.ok(checkNewPassword('!!!!!!!margaret.h!!!', POLICY, neverCommon, context).includes('contextual'));
  });

  test('the name, with or without its space, padded', () => {
    assert.ok(checkNewPassword('Margaret Hamilton 1', POLICY, neverCommon, context).includes('contextual'));
    assert.ok(checkNewPassword('margarethamilton!!', POLICY, neverCommon, context).includes('contextual'));
    assert.ok(checkNewPassword('MARGARET HAMILTON', POLICY, neverCommon, context).includes('contextual'));
  });

  test("the product name 'astral' with padding", () => {
    assert.ok(checkNewPassword('astral2024!!!!!!!!', POLICY, neverCommon).includes('contextual'));
    assert.ok(checkNewPassword('Astral Astral Astral', POLICY, neverCommon).includes('contextual'));
    assert.ok(checkNewPassword('ASTRAL-AUTH 2024!!', POLICY, neverCommon).includes('contextual'));
    assert.ok(checkNewPassword('astralauth#######', POLICY, neverCommon).includes('contextual'));
  });

  test('a word that merely contains a context word is allowed', () => {
    assert.deepEqual(checkNewPassword('astralplane-is-far', POLICY, neverCommon), []);
    assert.deepEqual(checkNewPassword('margaret flew to the moon', POLICY, neverCommon, context), []);
  });

  test('context words shorter than 3 characters are ignored', () => {
    const violations = checkNewPassword('al!!!!!!!!!!!!!!!', POLICY, neverCommon, { email: 'al@x.com', name: 'Al' });
    assert.equal(violations.includes('contextual'), false);
  });
});

describe('repetitive and sequential passwords', () => {
  test('repeats and runs are refused as predictable', () => {
    for (const predictable of ['aaaaaaaaaaaaaaaa', 'abcabcabcabcabc', '1234567890123456', 'zyxwvutsrqponml']) {
      assert.ok(checkNewPassword(predictable, POLICY, neverCommon).includes('predictable'), predictable);
    }
  });

  test('an ordinary passphrase is not predictable', () => {
    assert.equal(checkNewPassword(PASSPHRASE, POLICY, neverCommon).includes('predictable'), false);
  });
});

describe('no composition rules', () => {
  test('a long all-lowercase passphrase passes', () => {
    assert.deepEqual(checkNewPassword(PASSPHRASE, POLICY, isCommon, { email: 'alice@example.com', name: 'Alice' }), []);
  });

  test('no digit, capital letter or symbol is required', () => {
    assert.deepEqual(checkNewPassword('tangerine dolphins wander', POLICY, isCommon), []);
  });
});

describe('regressions: context words typed without their punctuation', () => {
  const policy = { minLength: 15, maxLength: 256 };
  test('the email local part without its dot', () => {
    assert.ok(checkNewPassword('alicesmith!!!!!!!', policy, () => false, { email: 'alice.smith@x.com' }).includes('contextual'));
  });
  test('the name without its hyphen and spaces', () => {
    assert.ok(checkNewPassword('maryjanewatson123', policy, () => false, { name: 'Mary-Jane Watson' }).includes('contextual'));
  });
});
