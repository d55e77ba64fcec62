import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { EmailTaken } from '../../src/domain/errors.js';
import type { LifecycleStore } from '../../src/domain/lifecycle-ports.js';
import { createLinkToken, hashLinkToken, type LinkPurpose } from '../../src/domain/link-tokens.js';
import type { MailKind, NewMail } from '../../src/domain/mail.js';
import type { Store } from '../../src/domain/ports.js';
import { openLifecycleStore } from '../../src/store/open-lifecycle-store.js';
import { ENGINES } from '../helpers/service.js';
import { newSession, newUser, openTestStore } from './stores.js';

const T0 = 1_790_000_000_000;
const HOUR = 3_600_000;
/** Claims everything ever due, so a test sees exactly the rows it queued since the last call. */
const EVER = 8_000_000_000_000;

/** The lifecycle half of the Store contract: outbox, link tokens, devices, deletion, purge. */
for (const engine of ENGINES) {
  describe(`Lifecycle store contract on ${engine}`, () => {
    let store: Store;
    let life: LifecycleStore;
    let dispose: () => Promise<void>;

    before(async () => {
      ({ store, dispose } = await openTestStore(engine));
      life = openLifecycleStore(store);
    });
    after(() => dispose());

    const takeAll = () => life.claimMail(EVER, EVER + 1, 1_000);

    async function userWithToken(purpose: LinkPurpose, expiresAt = T0 + HOUR) {
      const user = newUser();
      await store.createUser(user);
      const token = createLinkToken();
      const tokenHash = hashLinkToken(token);
      await life.saveLinkToken({ tokenHash, purpose, userId: user.id, email: user.email, createdAt: T0, expiresAt });
      return { user, tokenHash };
    }

    test('mail queued with a new account commits with it, and not without it', async () => {
      await takeAll();
      const user = newUser();
      await store.createUser(user, [mail('verify_email', user.id, user.email)]);
      await assert.rejects(store.createUser(newUser({ email: user.email }), [mail('verify_email', null, user.email)]), EmailTaken);
      const queued = await takeAll();
      assert.deepEqual(queued.map((row) => [row.kind, row.userId, row.recipient]), [['verify_email', user.id, user.email]]);
      assert.deepEqual(queued[0]?.data, { linkBase: 'https://app.example/auth' });
    });

    test('a claim takes due rows once, for the lease; outcomes settle them', async () => {
      await takeAll();
      const user = newUser();
      await store.createUser(user);
      const [a, b, c] = [mail('new_sign_in'), mail('new_sign_in', null, 'x@example.test', T0 + 10_000), mail('password_changed')];
      await life.enqueueMail([a, b, c]);
      const first = await life.claimMail(T0 + 1, T0 + 60_000, 10);
      assert.deepEqual(first.map((row) => row.id).sort(), [a.id, c.id].sort());
      assert.ok(first.every((row) => row.attempts === 1));
      assert.deepEqual(await life.claimMail(T0 + 1, T0 + 60_000, 10), [], 'leased rows stay taken');

      await life.settleMail(a.id, { status: 'sent', at: T0 + 2, subject: 'Hello', userId: user.id });
      await life.settleMail(c.id, { status: 'retry', dueAt: T0 + 5_000, error: 'ECONNECTION' });
      const later = await life.claimMail(T0 + 20_000, T0 + 80_000, 10);
      assert.deepEqual(later.map((row) => [row.id, row.attempts]).sort(), [[b.id, 1], [c.id, 2]].sort());
      await life.settleMail(c.id, { status: 'failed', at: T0 + 20_001, error: 'EENVELOPE 550' });
      assert.deepEqual(await takeAll(), [b].map((row) => ({ ...row, attempts: 2 })));
    });

    test('parallel claims never hand one row to two senders', async () => {
      await takeAll();
      const rows = Array.from({ length: 30 }, () => mail('new_sign_in'));
      await life.enqueueMail(rows);
      const claims = await Promise.all(Array.from({ length: 6 }, () => life.claimMail(T0, T0 + 60_000, 7)));
      const ids = claims.flat().map((row) => row.id);
      assert.equal(new Set(ids).size, ids.length, 'no row twice');
      const rest = await life.claimMail(T0, T0 + 60_000, 100);
      assert.equal(ids.length + rest.length, 30);
    });

    test('the newest link of a kind replaces older ones; tokens are bound to purpose and time', async () => {
      const { user, tokenHash } = await userWithToken('verify_email');
      assert.deepEqual(await life.peekLinkToken(tokenHash, 'verify_email', T0), { userId: user.id, email: user.email });
      assert.equal(await life.peekLinkToken(tokenHash, 'reset_password', T0), undefined);
      assert.equal(await life.peekLinkToken(tokenHash, 'verify_email', T0 + HOUR), undefined, 'expired');

      const newer = hashLinkToken(createLinkToken());
      await life.saveLinkToken({ tokenHash: newer, purpose: 'verify_email', userId: user.id, email: user.email, createdAt: T0, expiresAt: T0 + HOUR });
      assert.equal(await life.peekLinkToken(tokenHash, 'verify_email', T0), undefined);
      assert.ok(await life.peekLinkToken(newer, 'verify_email', T0));
    });

    test('a verification token is used once and marks the address verified', async () => {
      const { user, tokenHash } = await userWithToken('verify_email');
      assert.deepEqual(await life.verifyEmail({ tokenHash, now: T0 + 5 }), { userId: user.id, email: user.email });
      assert.equal(await life.verifyEmail({ tokenHash, now: T0 + 6 }), undefined);
      assert.equal((await store.findLoginById(user.id))?.user.emailVerifiedAt, T0 + 5);
    });

    test('of 20 parallel resets with one token, exactly one wins, and it ends every session', async () => {
      await takeAll();
      const { user, tokenHash } = await userWithToken('reset_password');
      await store.createSession(newSession(user.id));
      await store.createSession(newSession(user.id));
      const notice = mail('password_changed', user.id, user.email);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => life.resetPassword({ tokenHash, now: T0 + 10, hashedPassword: `$argon2id$new${i}`, mail: [notice] })),
      );
      const winners = results.filter(Boolean);
      assert.equal(winners.length, 1);
      const login = await store.findLoginById(user.id);
      assert.match(login?.hashedPassword ?? '', /^\$argon2id\$new\d+$/);
      assert.equal(login?.user.emailVerifiedAt, T0 + 10, 'the reset link proved the address');
      assert.deepEqual(await life.listSessionsOfUser(user.id), []);
      assert.deepEqual((await takeAll()).map((row) => row.id), [notice.id]);
    });

    test('an email change moves the address, tells the old one, and refuses a taken one', async () => {
      await takeAll();
      const { user, tokenHash } = await userWithToken('change_email');
      const other = newUser();
      await store.createUser(other);
      const newAddress = `moved.${randomUUID()}@example.test`;
      await life.saveLinkToken({ tokenHash, purpose: 'change_email', userId: user.id, email: newAddress, createdAt: T0, expiresAt: T0 + HOUR });
      const { recipient: _, userId: __, ...notice } = mail('email_changed');
      assert.deepEqual(await life.changeEmail({ tokenHash, now: T0 + 1, notice }), { userId: user.id, oldEmail: user.email });
      assert.equal((await store.findLoginByEmail(newAddress))?.user.id, user.id);
      assert.deepEqual((await takeAll()).map((row) => [row.userId, row.recipient]), [[user.id, user.email]]);
      assert.equal(await life.changeEmail({ tokenHash, now: T0 + 2, notice: null }), 'invalid');

      const taken = hashLinkToken(createLinkToken());
      await life.saveLinkToken({ tokenHash: taken, purpose: 'change_email', userId: user.id, email: other.email, createdAt: T0, expiresAt: T0 + HOUR });
      await assert.rejects(life.changeEmail({ tokenHash: taken, now: T0 + 3, notice: null }), EmailTaken);
      assert.equal((await store.findLoginById(user.id))?.user.email, newAddress);
    });

    test('sign-ins: the first device is quiet, a known one is quiet, a new one queues its notice', async () => {
      await takeAll();
      const user = newUser();
      await store.createUser(user);
      const sighting = (key: string, at: number) => ({ userId: user.id, deviceKey: Buffer.from(key.padEnd(32, '.')), ip: '192.0.2.7', userAgent: key, at });
      assert.equal(await life.recordSignIn(sighting('laptop', T0), mail('new_sign_in', user.id)), 'first');
      assert.equal(await life.recordSignIn(sighting('laptop', T0 + 1), mail('new_sign_in', user.id)), 'known');
      const notice = mail('new_sign_in', user.id);
      assert.equal(await life.recordSignIn(sighting('phone', T0 + 2), notice), 'new');
      assert.equal(await life.recordSignIn(sighting('tablet', T0 + 3), null), 'new');
      assert.deepEqual((await takeAll()).map((row) => row.id), [notice.id]);
      const devices = await life.listDevicesOfUser(user.id);
      assert.deepEqual(devices.map((device) => [device.userAgent, device.firstSeenAt, device.lastSeenAt]), [
        ['laptop', T0, T0 + 1],
        ['phone', T0 + 2, T0 + 2],
        ['tablet', T0 + 3, T0 + 3],
      ]);
    });

    test('deleting an account takes its sessions, tokens, devices and mail with it', async () => {
      await takeAll();
      const { user, tokenHash } = await userWithToken('reset_password');
      await store.createSession(newSession(user.id));
      await life.recordSignIn({ userId: user.id, deviceKey: Buffer.alloc(32, 1), ip: null, userAgent: null, at: T0 }, null);
      await life.enqueueMail([mail('new_sign_in', user.id, user.email), mail('password_reset', null, user.email)]);
      assert.equal(await life.deleteUser(user.id), true);
      assert.equal(await life.deleteUser(user.id), false);
      assert.equal(await store.findLoginById(user.id), undefined);
      assert.deepEqual(await life.listSessionsOfUser(user.id), []);
      assert.deepEqual(await life.listDevicesOfUser(user.id), []);
      assert.equal(await life.peekLinkToken(tokenHash, 'reset_password', T0), undefined);
      assert.deepEqual(await takeAll(), []);
    });

    test('purges delete in bounded batches only what is past its time', async () => {
      await takeAll();
      const user = newUser();
      await store.createUser(user);
      const live = newSession(user.id, T0);
      const expired = { ...newSession(user.id, T0 - 2 * HOUR), expiresAt: T0 - HOUR };
      const idle = { ...newSession(user.id, T0 - 30 * HOUR), expiresAt: T0 + HOUR };
      for (const session of [live, expired, idle]) await store.createSession(session);
      const sent = mail('new_sign_in', user.id);
      await life.enqueueMail([sent, mail('password_changed', user.id)]);
      const [first] = await life.claimMail(T0, T0 + 1, 1);
      await life.settleMail(first!.id, { status: 'sent', at: T0 - 40 * 24 * HOUR, subject: 's', userId: user.id });

      const cutoffs = { now: T0, idleBefore: T0 - 24 * HOUR, mailBefore: T0 - 30 * 24 * HOUR, devicesBefore: T0 };
      assert.equal(await life.purgeBatch('sessions', cutoffs, 1), 1);
      assert.equal(await life.purgeBatch('sessions', cutoffs, 10), 1);
      assert.equal(await life.purgeBatch('sessions', cutoffs, 10), 0);
      assert.deepEqual((await life.listSessionsOfUser(user.id)).map((session) => session.id), [live.id]);
      assert.equal(await life.purgeBatch('mail', cutoffs, 10), 1);
      assert.deepEqual((await life.listMailOfUser(user.id)).map((record) => record.status), ['pending']);
      await takeAll();
    });

    test('purges running at once share the work and delete each row once', async () => {
      const user = newUser();
      await store.createUser(user);
      for (let i = 0; i < 30; i++) await store.createSession({ ...newSession(user.id, T0 - 2 * HOUR), expiresAt: T0 - HOUR });
      const cutoffs = { now: T0, idleBefore: 0, mailBefore: 0, devicesBefore: 0 };
      const drain = async () => {
        let total = 0;
        let deleted: number;
        do {
          deleted = await life.purgeBatch('sessions', cutoffs, 4);
          total += deleted;
        } while (deleted > 0);
        return total;
      };
      const totals = await Promise.all([drain(), drain(), drain()]);
      assert.equal(totals[0]! + totals[1]! + totals[2]!, 30);
      assert.deepEqual(await life.listSessionsOfUser(user.id), []);
    });

    test('a user sees the subjects and times of mail sent to them, never a link', async () => {
      await takeAll();
      const user = newUser();
      await store.createUser(user);
      const request = mail('password_reset', null, user.email);
      await life.enqueueMail([request]);
      await takeAll();
      await life.settleMail(request.id, { status: 'sent', at: T0 + 9, subject: 'Reset your password', userId: user.id });
      assert.deepEqual(await life.listMailOfUser(user.id), [
        { kind: 'password_reset', status: 'sent', subject: 'Reset your password', createdAt: T0, settledAt: T0 + 9 },
      ]);
    });
  });
}

function mail(kind: MailKind, userId: string | null = null, recipient = 'someone@example.test', createdAt = T0): NewMail {
  return { id: randomUUID(), kind, userId, recipient, data: { linkBase: 'https://app.example/auth' }, createdAt };
}
