import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImportOutcome, NewUser, UserStore } from '../../src/domain/ports.js';
import { importUsers, type ImportOptions, type ImportReport, type Refusal } from '../../src/import/importer.js';
import type { RawUser } from '../../src/import/legacy-user.js';
import type { SourceRow } from '../../src/import/sources.js';

const NOW = Date.UTC(2025, 0, 15);
const BCRYPT = '$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG';

/**
 * An in-memory stand-in for the one store method the importer calls, with the
 * store's rules: a known id is already imported, a known email is a conflict.
 * The real stores are tested against this contract in test/store.
 */
class FakeImportStore implements Pick<UserStore, 'importUsers'> {
  readonly batches: NewUser[][] = [];
  private readonly byId = new Map<string, NewUser>();
  private readonly emails = new Set<string>();

  async importUsers(users: readonly NewUser[]): Promise<ImportOutcome[]> {
    this.batches.push([...users]);
    return users.map((user) => {
      if (this.byId.has(user.id)) return 'already_imported';
      if (this.emails.has(user.email)) return 'email_conflict';
      this.byId.set(user.id, user);
      this.emails.add(user.email);
      return 'inserted';
    });
  }

  get users(): NewUser[] {
    return [...this.byId.values()];
  }
}

async function* rows(...raws: Array<RawUser | string>): AsyncGenerator<SourceRow> {
  let row = 0;
  for (const raw of raws) yield { row: ++row, raw };
}

function user(n: number, extra: RawUser = {}): RawUser {
  return { id: `u${n}`, email: `user${n}@example.com`, hashedPassword: BCRYPT, createdAt: '2024-01-01T00:00:00Z', ...extra };
}

interface Run {
  report: ImportReport;
  store: FakeImportStore;
  refusals: Refusal[];
  progress: ImportReport[];
}

async function run(source: AsyncIterable<SourceRow>, batchSize = 2, store = new FakeImportStore()): Promise<Run> {
  const refusals: Refusal[] = [];
  const progress: ImportReport[] = [];
  const options: ImportOptions = {
    batchSize,
    defaultRole: 'user',
    now: NOW,
    onRefusal: (refusal) => refusals.push(refusal),
    onProgress: (report) => progress.push({ ...report }),
  };
  const report = await importUsers(source, store, options);
  return { report, store, refusals, progress };
}

describe('importUsers: batching', () => {
  test('writes full batches, then the remainder', async () => {
    const { store, report } = await run(rows(user(1), user(2), user(3), user(4), user(5)), 2);
    assert.deepEqual(store.batches.map((batch) => batch.map((u) => u.id)), [['u1', 'u2'], ['u3', 'u4'], ['u5']]);
    assert.deepEqual(report, { inserted: 5, alreadyImported: 0, rejected: 0, conflicts: 0 });
  });

  test('no empty batch when the rows divide evenly', async () => {
    const { store } = await run(rows(user(1), user(2), user(3), user(4)), 2);
    assert.deepEqual(store.batches.map((batch) => batch.length), [2, 2]);
  });

  test('an empty source writes nothing and reports zeros', async () => {
    const { store, report, progress } = await run(rows(), 2);
    assert.equal(store.batches.length, 0);
    assert.deepEqual(progress, []);
    assert.deepEqual(report, { inserted: 0, alreadyImported: 0, rejected: 0, conflicts: 0 });
  });

  test('refused rows take no place in a batch', async () => {
    const { store } = await run(rows(user(1), user(2, { email: 'bad' }), user(3), user(4, { createdAt: 'never' }), user(5)), 2);
    assert.deepEqual(store.batches.map((batch) => batch.map((u) => u.id)), [['u1', 'u3'], ['u5']]);
  });

  test('progress is reported after every batch, with running totals', async () => {
    const { progress } = await run(rows(user(1), user(2, { email: 'bad' }), user(3), user(4)), 2);
    assert.deepEqual(progress, [
      { inserted: 2, alreadyImported: 0, rejected: 1, conflicts: 0 },
      { inserted: 3, alreadyImported: 0, rejected: 1, conflicts: 0 },
    ]);
  });

  test('a batch size of one writes row by row', async () => {
    const { store } = await run(rows(user(1), user(2), user(3)), 1);
    assert.deepEqual(store.batches.map((batch) => batch.length), [1, 1, 1]);
  });

  test('users reach the store mapped: canonical email, role as given, null hash kept, imported', async () => {
    const { store } = await run(rows(
      user(1, { email: ' Ada@Example.COM ', role: 'ADMIN' }),
      user(2, { hashedPassword: null }),
    ));
    const [ada, oauth] = store.users;
    assert.equal(ada?.email, 'ada@example.com');
    assert.equal(ada?.role, 'ADMIN');
    assert.equal(ada?.hashOrigin, 'imported');
    assert.equal(oauth?.hashedPassword, null);
    assert.equal(oauth?.role, 'user');
    assert.equal(oauth?.hashOrigin, 'imported');
  });
});

describe('importUsers: tallies and refusals', () => {
  test('every row lands in exactly one tally', async () => {
    const { report } = await run(rows(
      user(1),
      user(2, { email: 'not-an-email' }),
      user(3, { hashedPassword: 'md5$abc$5f4dcc3b5aa765d61d8327deb882cf99' }),
      user(4, { email: 'USER1@example.com' }), // same canonical email as u1
      'this line was not JSON',
      user(5),
    ), 3);
    assert.deepEqual(report, { inserted: 2, alreadyImported: 0, rejected: 3, conflicts: 1 });
  });

  test('refusals carry the row number, the id and a reason', async () => {
    const { refusals } = await run(rows(
      user(1),
      user(2, { email: 'a@b@c.com' }),
      user(3, { hashedPassword: 'plain-text-password' }),
      user(4, { emailVerified: 'someday' }),
    ));
    assert.deepEqual(refusals, [
      { row: 2, id: 'u2', reason: 'email: email must hold exactly one @' },
      { row: 3, id: 'u3', reason: 'hashedPassword is in no supported format (bcrypt $2a$/$2b$/$2y$, argon2 PHC)' },
      { row: 4, id: 'u4', reason: 'createdAt, updatedAt or emailVerified is not a date' },
    ]);
  });

  test('a row that is not a JSON object is refused with a null id', async () => {
    const { refusals, report } = await run(rows('{"id": "u1", broken', user(2)));
    assert.deepEqual(refusals, [{ row: 1, id: null, reason: 'row is not a JSON object' }]);
    assert.equal(report.inserted, 1);
  });

  test('a row with an unusable id is refused with a null id', async () => {
    const { refusals } = await run(rows(user(1, { id: 17 })));
    assert.deepEqual(refusals, [{ row: 1, id: null, reason: 'id is missing or too long' }]);
  });

  test('an email conflict is reported with the row and id of the later row', async () => {
    const { refusals, report } = await run(rows(user(1, { email: 'Zoë@example.com' }), user(2, { email: 'ZOE\u0308@EXAMPLE.COM' })), 10);
    assert.deepEqual(refusals, [{ row: 2, id: 'u2', reason: 'another account already has this email after normalisation' }]);
    assert.equal(report.conflicts, 1);
  });

  test('a second run imports nothing twice', async () => {
    const store = new FakeImportStore();
    const source = () => rows(user(1), user(2), user(3, { email: 'bad' }));
    const first = await run(source(), 2, store);
    const second = await run(source(), 2, store);
    assert.deepEqual(first.report, { inserted: 2, alreadyImported: 0, rejected: 1, conflicts: 0 });
    assert.deepEqual(second.report, { inserted: 0, alreadyImported: 2, rejected: 1, conflicts: 0 });
    assert.equal(store.users.length, 2);
  });

  test('refusal reports never hold the email or the hash', async () => {
    const email = 'private.person@example.com';
    const { refusals } = await run(rows(
      user(1, { email }),
      user(2, { email: `${email},other@example.com` }),
      user(3, { email: `Private.Person@Example.com` }), // conflict with u1
      user(4, { email: 'x@example.com', hashedPassword: 'md5$s$5f4dcc3b5aa765d61d8327deb882cf99' }),
      user(5, { email: 'y@example.com', createdAt: 'private.person@example.com' }),
      user(6, { email: 'z@example.com', hashedPassword: `${BCRYPT.slice(0, 40)}` }),
    ));
    assert.equal(refusals.length, 5);
    const written = refusals.map((refusal) => JSON.stringify(refusal)).join('\n').toLowerCase();
    for (const secret of ['private.person', 'other@example.com', 'x@example.com', '5f4dcc3b', BCRYPT.slice(7, 40).toLowerCase()]) {
      assert.equal(written.includes(secret), false, `refusals mention ${secret}`);
    }
    for (const refusal of refusals) assert.deepEqual(Object.keys(refusal).sort(), ['id', 'reason', 'row']);
  });
});
