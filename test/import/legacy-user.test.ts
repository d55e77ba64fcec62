import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewUser } from '../../src/domain/ports.js';
import { mapLegacyUser, type RawUser } from '../../src/import/legacy-user.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const BCRYPT = '$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG';
const ARGON2 = '$argon2id$v=19$m=19456,t=2,p=1$YXN0cmFsLXZlY3Rvci1zYWx0$5pK7FHaCDlVmiya+/ZwRBut2k90znhWJHe+52rgRgpw';

const ROW: RawUser = {
  id: 'clx0legacy0001',
  email: 'Grace.Hopper@Example.com',
  name: 'Grace Hopper',
  image: 'https://img.example.com/g.png',
  role: 'PLAYER',
  teamName: 'Compilers',
  hashedPassword: BCRYPT,
  emailVerified: '2023-05-02T08:00:00.000Z',
  createdAt: '2023-05-01T10:00:00.000Z',
  updatedAt: '2024-02-03T04:05:06.789Z',
};

function mapped(raw: RawUser, defaultRole = 'user'): NewUser {
  const result = mapLegacyUser(raw, defaultRole, NOW);
  assert.ok(result.ok, `expected the row to map, got ${JSON.stringify(result)}`);
  return result.user;
}

function refusal(raw: RawUser): string {
  const result = mapLegacyUser(raw, 'user', NOW);
  assert.equal(result.ok, false, `expected a refusal, got ${JSON.stringify(result)}`);
  return result.ok ? '' : result.reason;
}

describe('mapLegacyUser: rows that map', () => {
  test('a full row, email canonicalised, everything else as given', () => {
    assert.deepEqual(mapped(ROW), {
      id: 'clx0legacy0001',
      email: 'grace.hopper@example.com',
      name: 'Grace Hopper',
      image: 'https://img.example.com/g.png',
      role: 'PLAYER',
      teamName: 'Compilers',
      hashedPassword: BCRYPT,
      hashOrigin: 'imported',
      emailVerifiedAt: Date.UTC(2023, 4, 2, 8),
      createdAt: Date.UTC(2023, 4, 1, 10),
      updatedAt: Date.UTC(2024, 1, 3, 4, 5, 6, 789),
    });
  });

  test("the role is kept exactly as given ('ADMIN' stays upper-case)", () => {
    assert.equal(mapped({ ...ROW, role: 'ADMIN' }).role, 'ADMIN');
    assert.equal(mapped({ ...ROW, role: 'COMMISSIONER' }).role, 'COMMISSIONER');
  });

  test('a missing or blank role takes the default role', () => {
    assert.equal(mapped({ ...ROW, role: undefined }, 'member').role, 'member');
    assert.equal(mapped({ ...ROW, role: '  ' }, 'member').role, 'member');
  });

  test('a null hash is kept: an OAuth-only account', () => {
    const user = mapped({ ...ROW, hashedPassword: null });
    assert.equal(user.hashedPassword, null);
    assert.equal(user.hashOrigin, 'imported');
  });

  test('an empty hash counts as none', () => {
    assert.equal(mapped({ ...ROW, hashedPassword: '' }).hashedPassword, null);
  });

  test('every supported hash format is kept as it is, marked imported', () => {
    for (const hash of [BCRYPT, BCRYPT.replace('$2b$', '$2a$'), BCRYPT.replace('$2b$', '$2y$'), ARGON2]) {
      const user = mapped({ ...ROW, hashedPassword: hash });
      assert.equal(user.hashedPassword, hash);
      assert.equal(user.hashOrigin, 'imported');
    }
  });

  test('missing timestamps: createdAt is now, updatedAt follows createdAt, not verified', () => {
    const user = mapped({ id: 'u1', email: 'a@x.com' });
    assert.equal(user.createdAt, NOW);
    assert.equal(user.updatedAt, NOW);
    assert.equal(user.emailVerifiedAt, null);
    assert.equal(mapped({ id: 'u1', email: 'a@x.com', createdAt: '2020-01-01T00:00:00Z' }).updatedAt, Date.UTC(2020, 0, 1));
  });

  test('timestamps as Date objects and epoch milliseconds', () => {
    const user = mapped({ ...ROW, createdAt: new Date(Date.UTC(2022, 0, 1)), updatedAt: Date.UTC(2022, 0, 2) });
    assert.equal(user.createdAt, Date.UTC(2022, 0, 1));
    assert.equal(user.updatedAt, Date.UTC(2022, 0, 2));
  });

  test('optional text fields: blank becomes null, long ones are cut at 2048', () => {
    const user = mapped({ ...ROW, name: '   ', image: null, teamName: 'x'.repeat(5_000) });
    assert.equal(user.name, null);
    assert.equal(user.image, null);
    assert.equal(user.teamName?.length, 2_048);
  });

  test('CSV-style rows (every value a string, blanks empty)', () => {
    const user = mapped({ id: 'u7', email: 'b@x.com', name: '', image: '', role: 'PLAYER', teamName: '', hashedPassword: '', emailVerified: '', createdAt: '2021-06-01T00:00:00.000Z', updatedAt: '' });
    assert.equal(user.hashedPassword, null);
    assert.equal(user.emailVerifiedAt, null);
    assert.equal(user.updatedAt, Date.UTC(2021, 5, 1));
  });
});

describe('mapLegacyUser: refused rows and their reasons', () => {
  test('missing, blank, non-text or over-long id', () => {
    assert.equal(refusal({ ...ROW, id: undefined }), 'id is missing or too long');
    assert.equal(refusal({ ...ROW, id: '  ' }), 'id is missing or too long');
    assert.equal(refusal({ ...ROW, id: 42 }), 'id is missing or too long');
    assert.equal(refusal({ ...ROW, id: 'i'.repeat(192) }), 'id is missing or too long');
    assert.equal(mapped({ ...ROW, id: 'i'.repeat(191) }).id.length, 191);
  });

  test('bad emails, each with the canonicaliser reason', () => {
    assert.equal(refusal({ ...ROW, email: 'not-an-email' }), 'email: email must hold exactly one @');
    assert.equal(refusal({ ...ROW, email: 'a@b@c.com' }), 'email: email must hold exactly one @');
    assert.equal(refusal({ ...ROW, email: '' }), 'email: email is empty');
    assert.equal(refusal({ ...ROW, email: undefined }), 'email: email is empty');
    assert.equal(refusal({ ...ROW, email: 'missing-domain@' }), 'email: email domain is not a host name');
    assert.equal(refusal({ ...ROW, email: 'a\u200B@x.com' }), 'email: email holds spaces, control or invisible characters');
  });

  test('unknown hash formats', () => {
    const reason = 'hashedPassword is in no supported format (bcrypt $2a$/$2b$/$2y$, argon2 PHC)';
    assert.equal(refusal({ ...ROW, hashedPassword: 'md5$abc123$5f4dcc3b5aa765d61d8327deb882cf99' }), reason);
    assert.equal(refusal({ ...ROW, hashedPassword: BCRYPT.slice(0, 40) }), reason); // truncated
    assert.equal(refusal({ ...ROW, hashedPassword: 'hunter2-in-plain-text' }), reason);
    assert.equal(refusal({ ...ROW, hashedPassword: BCRYPT.replace('$2b$', '$2x$') }), reason);
  });

  test('dates that are not dates', () => {
    const reason = 'createdAt, updatedAt or emailVerified is not a date';
    assert.equal(refusal({ ...ROW, createdAt: 'yesterday' }), reason);
    assert.equal(refusal({ ...ROW, updatedAt: '2024-13-45T00:00:00Z' }), reason);
    assert.equal(refusal({ ...ROW, emailVerified: 'not verified' }), reason);
    assert.equal(refusal({ ...ROW, emailVerified: true }), reason);
    assert.equal(refusal({ ...ROW, createdAt: new Date(Number.NaN) }), reason);
    assert.equal(refusal({ ...ROW, createdAt: Number.POSITIVE_INFINITY }), reason);
  });

  test('the id is checked first, then the email, then the hash, then the dates', () => {
    const everythingWrong = { id: '', email: 'bad', hashedPassword: 'plain', createdAt: 'never' };
    assert.equal(refusal(everythingWrong), 'id is missing or too long');
    assert.match(refusal({ ...everythingWrong, id: 'u1' }), /^email: /);
    assert.match(refusal({ ...everythingWrong, id: 'u1', email: 'a@x.com' }), /^hashedPassword /);
    assert.match(refusal({ ...everythingWrong, id: 'u1', email: 'a@x.com', hashedPassword: null }), /not a date/);
  });

  test('reasons never echo the email or the hash', () => {
    const rows: RawUser[] = [
      { ...ROW, email: 'secret.person@@example.com' },
      { ...ROW, hashedPassword: 'md5$abc123$5f4dcc3b5aa765d61d8327deb882cf99' },
      { ...ROW, createdAt: 'secret.person@example.com' },
    ];
    for (const raw of rows) {
      const reason = refusal(raw);
      assert.equal(reason.includes('secret.person'), false, reason);
      assert.equal(reason.includes('5f4dcc3b'), false, reason);
    }
  });
});

describe('regressions: timestamps and hash types', () => {
  test('a zone-less timestamp is UTC whatever the machine zone', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const mapped = mapLegacyUser({ id: 'u1', email: 'a@x.com', createdAt: '2024-01-01 10:00:00' }, 'user', 0);
      assert.ok(mapped.ok);
      assert.equal(mapped.user.createdAt, Date.UTC(2024, 0, 1, 10));
    } finally {
      process.env.TZ = saved;
    }
  });

  test('offsets are honoured', () => {
    const mapped = mapLegacyUser({ id: 'u1', email: 'a@x.com', createdAt: '2024-01-01T10:00:00.123+02:00' }, 'user', 0);
    assert.ok(mapped.ok);
    assert.equal(mapped.user.createdAt, Date.UTC(2024, 0, 1, 8, 0, 0, 123));
  });

  for (const createdAt of ['2024-02-30T00:00:00Z', '1', '2024-13-01', '2024-01-01T24:00:00Z', 'yesterday']) {
    test(`an impossible or loose date (${createdAt}) is refused`, () => {
      assert.equal(mapLegacyUser({ id: 'u1', email: 'a@x.com', createdAt }, 'user', 0).ok, false);
    });
  }

  test('a hashedPassword that is not text is refused, not taken for "no password"', () => {
    for (const hashedPassword of [12345, { hash: 'x' }, true]) {
      const mapped = mapLegacyUser({ id: 'u1', email: 'a@x.com', hashedPassword }, 'user', 0);
      assert.equal(mapped.ok, false);
    }
  });

  test('an argon2 hash declaring an absurd cost is refused', () => {
    const hashedPassword = '$argon2id$v=19$m=4194304,t=1000,p=1$YXN0cmFsLXZlY3Rvci1zYWx0$ToUBeqBGoy/DsSQEgsq6qQKDikCF1MrvFB6/UK1xExg';
    assert.equal(mapLegacyUser({ id: 'u1', email: 'a@x.com', hashedPassword }, 'user', 0).ok, false);
  });
});
