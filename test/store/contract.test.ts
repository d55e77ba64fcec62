import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/domain/ports.js';
import { EmailTaken } from '../../src/domain/errors.js';
import { ENGINES } from '../helpers/service.js';
import { newSession, newUser, openTestStore } from './stores.js';

/** One contract, every engine: what the domain may rely on from a Store. */
for (const engine of ENGINES) {
  describe(`Store contract on ${engine}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;

    before(async () => ({ store, dispose } = await openTestStore(engine)));
    after(() => dispose());

    test('migrate is idempotent', async () => {
      assert.deepEqual(await store.migrate(), []);
    });

    test('creates a user and finds it by email and id, with hash and origin', async () => {
      const user = newUser({ role: 'ADMIN', teamName: 'Comets' });
      const created = await store.createUser(user);
      assert.equal(created.id, user.id);
      const byEmail = await store.findLoginByEmail(user.email);
      assert.equal(byEmail?.user.role, 'ADMIN');
      assert.equal(byEmail?.user.teamName, 'Comets');
      assert.equal(byEmail?.hashedPassword, user.hashedPassword);
      assert.equal(byEmail?.hashOrigin, 'native');
      assert.equal(byEmail?.disabled, false);
      assert.equal(byEmail?.user.createdAt, user.createdAt);
      assert.deepEqual(await store.findLoginById(user.id), byEmail);
      assert.equal(await store.findLoginByEmail('nobody@example.test'), undefined);
    });

    test('a second user with the same email fails with EmailTaken', async () => {
      const first = newUser();
      await store.createUser(first);
      await assert.rejects(store.createUser(newUser({ email: first.email })), EmailTaken);
    });

    test('sessions are found by token hash and by id, joined with their user', async () => {
      const user = newUser();
      await store.createUser(user);
      const session = newSession(user.id);
      await store.createSession(session);
      const byHash = await store.findSessionByTokenHash(session.tokenHash);
      assert.equal(byHash?.id, session.id);
      assert.equal(byHash?.user.email, user.email);
      assert.equal(byHash?.expiresAt, session.expiresAt);
      assert.deepEqual(await store.findSessionById(session.id), byHash);
      assert.equal(await store.findSessionByTokenHash(Buffer.alloc(32).toString('base64')), undefined);
    });

    test('touches only move last-seen forward', async () => {
      const user = newUser();
      await store.createUser(user);
      const session = newSession(user.id);
      await store.createSession(session);
      await store.touchSessions([{ id: session.id, lastSeenAt: session.lastSeenAt + 5_000 }, { id: 'missing', lastSeenAt: 1 }]);
      await store.touchSessions([{ id: session.id, lastSeenAt: session.lastSeenAt + 1_000 }]);
      assert.equal((await store.findSessionById(session.id))?.lastSeenAt, session.lastSeenAt + 5_000);
    });

    test('deleting sessions, one or all of a user', async () => {
      const user = newUser();
      await store.createUser(user);
      const [a, b] = [newSession(user.id), newSession(user.id)];
      await store.createSession(a);
      await store.createSession(b);
      assert.equal(await store.deleteSession(a.id), true);
      assert.equal(await store.deleteSession(a.id), false);
      assert.equal(await store.deleteSessionsOfUser(user.id), 1);
      assert.equal(await store.findSessionById(b.id), undefined);
    });

    test('a password change keeps one session and ends the others in one step', async () => {
      const user = newUser();
      await store.createUser(user);
      const [keep, drop] = [newSession(user.id), newSession(user.id)];
      await store.createSession(keep);
      await store.createSession(drop);
      const change = { userId: user.id, previousHash: user.hashedPassword!, hashedPassword: '$argon2id$new', updatedAt: user.updatedAt + 1, keepSessionId: keep.id };
      assert.equal(await store.changePassword(change), true);
      assert.ok(await store.findSessionById(keep.id));
      assert.equal(await store.findSessionById(drop.id), undefined);
      const login = await store.findLoginById(user.id);
      assert.equal(login?.hashedPassword, '$argon2id$new');
      assert.equal(login?.user.updatedAt, user.updatedAt + 1);
    });

    test('a password change is compare-and-set on the hash the current password was checked against', async () => {
      const user = newUser();
      await store.createUser(user);
      const session = newSession(user.id);
      await store.createSession(session);
      const stale = { userId: user.id, previousHash: '$argon2id$other', hashedPassword: '$argon2id$lost', updatedAt: user.updatedAt + 1, keepSessionId: null };
      assert.equal(await store.changePassword(stale), false);
      assert.equal((await store.findLoginById(user.id))?.hashedPassword, user.hashedPassword, 'nothing changed');
      assert.ok(await store.findSessionById(session.id), 'no session ended');
    });

    test('a session with a verified hash is created only while the user still has that hash', async () => {
      const user = newUser();
      await store.createUser(user);
      const current = newSession(user.id);
      assert.equal(await store.createSession({ ...current, verifiedHash: user.hashedPassword! }), true);
      assert.ok(await store.findSessionById(current.id));
      const stale = newSession(user.id);
      assert.equal(await store.createSession({ ...stale, verifiedHash: '$argon2id$replaced' }), false);
      assert.equal(await store.findSessionById(stale.id), undefined);
    });

    test('hash upgrades are compare-and-set on the previous hash', async () => {
      const user = newUser({ hashOrigin: 'imported', hashedPassword: '$2b$10$old' });
      await store.createUser(user);
      assert.equal(await store.upgradePasswordHash({ userId: user.id, previousHash: '$2b$10$other', hashedPassword: '$argon2id$x' }), false);
      assert.equal(await store.upgradePasswordHash({ userId: user.id, previousHash: '$2b$10$old', hashedPassword: '$argon2id$x' }), true);
      const login = await store.findLoginById(user.id);
      assert.equal(login?.hashedPassword, '$argon2id$x');
      assert.equal(login?.hashOrigin, 'native');
    });

    test('import tells inserted, already imported and email conflicts apart, also within a batch', async () => {
      const existing = newUser();
      await store.createUser(existing);
      const fresh = newUser({ hashOrigin: 'imported', hashedPassword: null });
      const clash = newUser({ email: existing.email });
      const twinA = newUser();
      const twinB = newUser({ email: twinA.email });
      const outcomes = await store.importUsers([fresh, existing, clash, twinA, twinB]);
      assert.deepEqual(outcomes, ['inserted', 'already_imported', 'email_conflict', 'inserted', 'email_conflict']);
      assert.deepEqual(await store.importUsers([fresh, twinA]), ['already_imported', 'already_imported']);
      assert.equal((await store.findLoginById(fresh.id))?.hashedPassword, null);
    });

    test('signing keys: insert, list in age order, retire all but one', async () => {
      const base = { alg: 'EdDSA', publicJwk: '{}', privateKeySealed: 'v1.x.y', retiresAt: null, activatesAt: 500 };
      await store.insertSigningKey({ ...base, kid: `old-${engine}`, createdAt: 1_000 });
      await store.insertSigningKey({ ...base, kid: `new-${engine}`, createdAt: 2_000 });
      await store.retireSigningKeysExcept(`new-${engine}`, 9_000);
      const keys = await store.listSigningKeys();
      const old = keys.find((key) => key.kid === `old-${engine}`);
      const fresh = keys.find((key) => key.kid === `new-${engine}`);
      assert.equal(old?.retiresAt, 9_000);
      assert.equal(old?.activatesAt, 500);
      assert.equal(fresh?.retiresAt, null);
      assert.ok(keys.indexOf(old!) < keys.indexOf(fresh!));
    });

    test('legacyBcryptCost names the highest cost of imported bcrypt hashes still in place', async () => {
      const before = await store.legacyBcryptCost();
      const hash = (cost: string) => `$2b$${cost}$${'a'.repeat(53)}`;
      await store.importUsers([newUser({ hashOrigin: 'imported', hashedPassword: hash('13') }), newUser({ hashOrigin: 'imported', hashedPassword: hash('09') })]);
      await store.createUser(newUser({ hashOrigin: 'native', hashedPassword: hash('14') }));
      assert.equal(await store.legacyBcryptCost(), Math.max(before ?? 0, 13));
    });

    test('ping answers', async () => {
      await store.ping();
    });
  });
}
