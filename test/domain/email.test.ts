import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalizeEmail, MAX_EMAIL_LENGTH, type EmailResult } from '../../src/domain/email.js';

function accepted(raw: string): string {
  const result = canonicalizeEmail(raw);
  assert.ok(result.ok, `expected ${JSON.stringify(raw)} to be accepted, got ${JSON.stringify(result)}`);
  return result.email;
}

function refusedFor(raw: string): string {
  const result: EmailResult = canonicalizeEmail(raw);
  assert.equal(result.ok, false, `expected ${JSON.stringify(raw)} to be refused, got ${JSON.stringify(result)}`);
  return result.ok ? '' : result.reason;
}

const INVISIBLE_OR_CONTROL = 'email holds spaces, control or invisible characters';
const NOT_ONE_AT = 'email must hold exactly one @';
const NOT_HOST = 'email domain is not a host name';

describe('canonicalizeEmail: canonical form', () => {
  test('trims surrounding whitespace', () => {
    assert.equal(accepted('  alice@example.com\t\n'), 'alice@example.com');
  });

  test('lower-cases local part and domain', () => {
    assert.equal(accepted('Alice.Smith@Example.COM'), 'alice.smith@example.com');
  });

  test('NFKC maps fullwidth letters and dot to ASCII', () => {
    assert.equal(accepted('\uFF21\uFF4C\uFF49\uFF43\uFF45@\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45\uFF0E\uFF43\uFF4F\uFF4D'), 'alice@example.com');
  });

  test('composed and decomposed forms of one address give one canonical form', () => {
    const composed = 'Jos\u00E9@example.com'; // é as one code point
    const decomposed = 'JOSE\u0301@EXAMPLE.COM'; // E + combining acute accent
    const fullwidth = '\uFF2A\uFF4F\uFF53\u00E9@example.com';
    const canonical = accepted(composed);
    assert.equal(canonical, 'jos\u00E9@example.com');
    assert.equal(accepted(decomposed), canonical);
    assert.equal(accepted(fullwidth), canonical);
  });

  test('is idempotent: a canonical form canonicalises to itself', () => {
    for (const raw of ['Alice@Example.com', 'JOSE\u0301@EXAMPLE.COM', '\uFF41@\uFF58.com', 'K\u212A@x.com']) {
      const once = accepted(raw);
      assert.equal(accepted(once), once);
    }
  });

  test('accepts plus tags and internationalised domain labels', () => {
    assert.equal(accepted('bob+tag@sub.example.org'), 'bob+tag@sub.example.org');
    assert.equal(accepted('anna@bücher.de'), 'anna@bücher.de');
  });

  test('accepts exactly the maximum length', () => {
    const local = 'l'.repeat(64);
    const domain = `${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(57)}.com`; // 189 chars
    assert.equal(accepted(`${local}@${domain}`).length, MAX_EMAIL_LENGTH);
  });
});

describe('canonicalizeEmail: refusals', () => {
  test('empty and whitespace-only', () => {
    assert.equal(refusedFor(''), 'email is empty');
    assert.equal(refusedFor('   '), 'email is empty');
  });

  test('longer than 254 characters', () => {
    const local = 'l'.repeat(64);
    const domain = `${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(58)}.com`; // 190 chars
    assert.equal(`${local}@${domain}`.length, MAX_EMAIL_LENGTH + 1);
    assert.equal(refusedFor(`${local}@${domain}`), 'email is too long');
    assert.equal(refusedFor(`${'a'.repeat(10_000)}@x.com`), 'email is too long');
  });

  test('a list of addresses', () => {
    assert.equal(refusedFor('a@x.com,b@x.com'), NOT_ONE_AT);
    assert.equal(refusedFor('a@x.com;b@x.com'), NOT_ONE_AT);
  });

  test('two @ signs', () => {
    assert.equal(refusedFor('a@b@x.com'), NOT_ONE_AT);
  });

  test('no @ at all', () => {
    assert.equal(refusedFor('alice.example.com'), NOT_ONE_AT);
  });

  test('quoted local part holding an @', () => {
    assert.equal(refusedFor('"a@b"@x.com'), NOT_ONE_AT);
  });

  test('quoted local part without an @', () => {
    assert.equal(refusedFor('"ab"@x.com'), 'email local part is not a plain address');
  });

  test('angle-bracket and comment syntax', () => {
    assert.equal(refusedFor('<a@x.com>'), 'email local part is not a plain address');
    assert.equal(refusedFor('a(comment)@x.com'), 'email local part is not a plain address');
  });

  test('misplaced dots in the local part', () => {
    assert.equal(refusedFor('.a@x.com'), 'email local part has misplaced dots');
    assert.equal(refusedFor('a.@x.com'), 'email local part has misplaced dots');
    assert.equal(refusedFor('a..b@x.com'), 'email local part has misplaced dots');
  });

  test('local part over 64 characters', () => {
    assert.equal(refusedFor(`${'l'.repeat(65)}@x.com`), 'email local part is not a plain address');
  });

  test('control characters and NUL', () => {
    assert.equal(refusedFor('a\u0000b@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\u0007b@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\u007Fb@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a@x.com\u0000'), INVISIBLE_OR_CONTROL);
  });

  test('zero-width space, joiner and non-joiner', () => {
    assert.equal(refusedFor('a\u200Bb@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\u200Db@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\u200Cb@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\u2060b@x.com'), INVISIBLE_OR_CONTROL); // word joiner
  });

  test('soft hyphen', () => {
    assert.equal(refusedFor('a\u00ADb@x.com'), INVISIBLE_OR_CONTROL);
  });

  test('bidi overrides and isolates', () => {
    assert.equal(refusedFor('a\u202Eb@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\u202Db@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\u2066b@x.com'), INVISIBLE_OR_CONTROL);
  });

  test('line and paragraph separators', () => {
    assert.equal(refusedFor('a\u2028b@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\u2029b@x.com'), INVISIBLE_OR_CONTROL);
  });

  test('spaces inside, including no-break and ideographic spaces', () => {
    assert.equal(refusedFor('a b@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a@x .com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\u00A0b@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\u3000b@x.com'), INVISIBLE_OR_CONTROL);
    assert.equal(refusedFor('a\tb@x.com'), INVISIBLE_OR_CONTROL);
  });

  test('empty local part or domain', () => {
    assert.equal(refusedFor('@x.com'), 'email local part is not a plain address');
    assert.equal(refusedFor('a@'), NOT_HOST);
  });

  test('domain without a dot', () => {
    assert.equal(refusedFor('a@localhost'), NOT_HOST);
  });

  test('domain labels starting or ending with a hyphen', () => {
    assert.equal(refusedFor('a@-x.com'), NOT_HOST);
    assert.equal(refusedFor('a@x.-com'), NOT_HOST);
    assert.equal(refusedFor('a@x-.com'), NOT_HOST);
  });

  test('empty domain labels and trailing dot', () => {
    assert.equal(refusedFor('a@x..com'), NOT_HOST);
    assert.equal(refusedFor('a@.x.com'), NOT_HOST);
    assert.equal(refusedFor('a@x.com.'), NOT_HOST);
  });

  test('domain label over 63 characters', () => {
    assert.equal(refusedFor(`a@${'d'.repeat(64)}.com`), NOT_HOST);
  });

  test('domain literals and underscores', () => {
    assert.equal(refusedFor('a@[127.0.0.1]'), NOT_HOST);
    assert.equal(refusedFor('a@x_y.com'), NOT_HOST);
  });
});

describe('regressions: invisible characters outside Cc/Cf', () => {
  for (const char of ['\u034F', '\uFE0F', '\u3164', '\uFFA0', '\u2800', '\u00AD', '\uE000']) {
    test(`refuses U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} inside an address`, () => {
      assert.equal(canonicalizeEmail(`ab${char}@example.com`).ok, false);
    });
  }
});
