import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClock } from '../helpers/clock.js';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { assertError, startMailedService, type MailedService } from '../helpers/lifecycle.js';
import { ENGINES, type RunningService } from '../helpers/service.js';
import { linkIn, type TestSmtpServer } from '../helpers/smtp.js';

const DAY = 86_400_000;

/** Export, deletion and retention, end to end, on both engines. */
for (const engine of ENGINES) {
  describe(`Privacy on ${engine}`, () => {
    const clock = new TestClock();
    let mailed: MailedService;
    let smtp: TestSmtpServer;
    let service: RunningService;
    let base: string;

    before(async () => {
      ({ smtp, service } = mailed = await startMailedService(engine, { clock }));
      base = service.url;
    });
    after(() => mailed.stop());

    async function account() {
      const email = uniqueEmail();
      const password = strongPassword();
      await call(base, 'POST', '/v1/register', { body: { email, password } });
      const mail = await smtp.waitFor(email, /Confirm/);
      const login = await call(base, 'POST', '/v1/login', { body: { email, password }, headers: { 'user-agent': 'export-test' } });
      return { email, password, mail, login: login.body };
    }

    test('the export holds profile, sessions, devices and mail, and no secret', async () => {
      const { email, mail, login } = await account();
      await service.app.core.lifecycle.sender.drain();
      assertError(await call(base, 'GET', '/v1/me/export', { token: login.accessToken }), 401, 'invalid_session');
      const reply = await call(base, 'GET', '/v1/me/export', { token: login.sessionToken });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.headers.get('cache-control'), 'no-store');
      const data = reply.body;
      assert.equal(data.profile.email, email);
      assert.equal(data.profile.emailVerifiedAt, null);
      assert.deepEqual(data.sessions.map((s: { id: string; userAgent: string }) => [s.id, s.userAgent]), [[login.session.id, 'export-test']]);
      assert.deepEqual(data.devices.map((d: { userAgent: string }) => d.userAgent), ['export-test']);
      assert.deepEqual(data.mail.map((m: { kind: string; status: string; subject: string }) => [m.kind, m.status, m.subject]), [
        ['verify_email', 'sent', mail.subject],
      ]);
      assert.ok(!reply.text.includes(linkIn(mail).token), 'no link token');
      assert.ok(!reply.text.includes(login.sessionToken) && !/tokenHash|hashedPassword|\$argon2/.test(reply.text));
    });

    test('deleting needs the password, then ends every session and frees the address', async () => {
      const { email, password, login } = await account();
      const other = (await call(base, 'POST', '/v1/login', { body: { email, password } })).body;
      const body = { password: strongPassword() };
      assertError(await call(base, 'DELETE', '/v1/me', { token: login.sessionToken, body }), 401, 'invalid_credentials');
      assertError(await call(base, 'DELETE', '/v1/me', { token: login.accessToken, body: { password } }), 401, 'invalid_session');

      assert.equal((await call(base, 'DELETE', '/v1/me', { token: login.sessionToken, body: { password } })).status, 204);
      for (const token of [login.sessionToken, other.sessionToken, login.accessToken]) {
        assertError(await call(base, 'GET', '/v1/session', { token }), 401, 'invalid_session');
      }
      assertError(await call(base, 'POST', '/v1/login', { body: { email, password } }), 401, 'invalid_credentials');
      assert.equal((await call(base, 'POST', '/v1/register', { body: { email, password: strongPassword() } })).status, 201);

      await service.app.core.guardian.audit.flush();
      const audit = service.app.core.guardian.store;
      assert.deepEqual(await audit.queryAuditEvents({ userId: login.user.id, limit: 100 }), [], 'no event names the deleted id');
      const recent = await audit.queryAuditEvents({ limit: 200 });
      const kept = recent.filter((event) => event.userId?.startsWith('anon_'));
      assert.ok(kept.length >= 3, 'its events stay under a pseudonym');
      assert.ok(kept.every((event) => event.ip === null && event.userAgent === null));
    });

    test('retention deletes expired sessions, spent links and old mail, and keeps the rest', async () => {
      const { login } = await account();
      const { retention, store } = service.app.core.lifecycle;
      await service.app.core.lifecycle.sender.drain();
      clock.advance(8 * DAY);
      const deleted = await retention.run();
      assert.ok(deleted.sessions! >= 1, 'the week-old session is gone');
      assert.ok(deleted.link_tokens! >= 1, 'the expired verification link is gone');
      assert.deepEqual(await store.listSessionsOfUser(login.user.id), []);
      assert.equal((await store.listMailOfUser(login.user.id)).length, 1, 'mail is kept 30 days');
      clock.advance(30 * DAY);
      assert.ok((await retention.run()).mail! >= 1);
      assert.deepEqual(await store.listMailOfUser(login.user.id), []);
    });
  });
}
