import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClock } from '../helpers/clock.js';
import { call, strongPassword, uniqueEmail, type Reply } from '../helpers/http.js';
import { ADMIN_BASE, APP_BASE, assertError, startMailedService, waitUntil, type MailedService } from '../helpers/lifecycle.js';
import { ENGINES, type RunningService } from '../helpers/service.js';
import { linkIn, type TestSmtpServer } from '../helpers/smtp.js';

const APP = APP_BASE;
const ADMIN = ADMIN_BASE;

/**
 * The account lifecycle end to end: requests over HTTP, mail over SMTP to a
 * server the test runs, links followed by posting their token, on both engines.
 */
for (const engine of ENGINES) {
  describe(`Account lifecycle on ${engine}`, () => {
    const clock = new TestClock();
    let mailed: MailedService;
    let smtp: TestSmtpServer;
    let service: RunningService;
    let base: string;
    const secrets: string[] = [];

    before(async () => {
      ({ smtp, service } = mailed = await startMailedService(engine, { clock }));
      base = service.url;
    });
    after(() => mailed.stop());

    async function register(email = uniqueEmail(), extra: Record<string, string> = {}) {
      const password = strongPassword();
      secrets.push(email, password);
      const reply = await call(base, 'POST', '/v1/register', { body: { email, password, ...extra } });
      assert.equal(reply.status, 201, reply.text);
      return { email, password, user: reply.body.user };
    }

    async function login(email: string, password: string, userAgent = 'test-browser') {
      const reply = await call(base, 'POST', '/v1/login', { body: { email, password }, headers: { 'user-agent': userAgent } });
      assert.equal(reply.status, 200, reply.text);
      secrets.push(reply.body.sessionToken, reply.body.accessToken);
      return reply.body as { sessionToken: string; accessToken: string; user: { emailVerified: string | null } };
    }

    async function mailedToken(email: string, subject: RegExp) {
      const { token, url, action } = linkIn(await smtp.waitFor(email, subject));
      secrets.push(token);
      return { token, url, action };
    }

    describe('email verification', () => {
      test('registration mails a link; its token, posted once, verifies the address', async () => {
        const { email, password } = await register();
        const mail = await smtp.waitFor(email, /Confirm your email/);
        const { url, action, token } = linkIn(mail);
        secrets.push(token);
        assert.ok(url.startsWith(`${APP}#action=verify-email&token=asl_`), 'the token rides in the fragment of the default base');
        assert.ok(mail.html.includes(url.replace('&', '&amp;')), 'the HTML part links the same URL, escaped');
        assert.match(mail.text, /for 1 day/);
        assert.equal((await login(email, password)).user.emailVerified, null);

        assert.equal((await call(base, 'POST', '/v1/email/verify', { body: { token } })).status, 204);
        const session = await call(base, 'GET', '/v1/session', { token: (await login(email, password)).sessionToken });
        assert.ok(Date.parse(session.body.user.emailVerified) > 0);
        assertError(await call(base, 'POST', '/v1/email/verify', { body: { token } }), 400, 'invalid_token');
      });

      test('a redirect picks another allowed base; anything not on the list is refused', async () => {
        const { email } = await register(uniqueEmail(), { redirect: ADMIN });
        assert.ok((await mailedToken(email, /Confirm/)).url.startsWith(`${ADMIN}#`));
        for (const redirect of [`${ADMIN}/`, `${ADMIN}x`, 'https://admin.example', 'https://evil.example/auth', `${APP}?next=x`]) {
          const reply = await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail(), password: strongPassword(), redirect } });
          assertError(reply, 400, 'invalid_redirect');
        }
      });

      test('a resend mails a new link, and the newest link is the one that works', async () => {
        const { email, password } = await register();
        const first = await mailedToken(email, /Confirm/);
        const { sessionToken } = await login(email, password);
        assert.equal((await call(base, 'POST', '/v1/email/verify/resend', { token: sessionToken })).status, 202);
        await waitUntil(() => smtp.messagesTo(email).length === 2);
        const second = linkIn(smtp.messagesTo(email)[1]!);
        assertError(await call(base, 'POST', '/v1/email/verify', { body: { token: first.token } }), 400, 'invalid_token');
        assert.equal((await call(base, 'POST', '/v1/email/verify', { body: { token: second.token } })).status, 204);
      });

      test('malformed, unknown and expired tokens are refused alike', async () => {
        const { email } = await register();
        const { token } = await mailedToken(email, /Confirm/);
        for (const bad of ['nope', `asl_${'A'.repeat(43)}`, `${token}x`]) {
          assertError(await call(base, 'POST', '/v1/email/verify', { body: { token: bad } }), 400, 'invalid_token');
        }
        clock.advance(25 * HOUR);
        assertError(await call(base, 'POST', '/v1/email/verify', { body: { token } }), 400, 'invalid_token');
      });
    });

    describe('password reset', () => {
      test('every address gets the same 202; only an account gets mail', async () => {
        const { email } = await register();
        const ghost = uniqueEmail('ghost');
        const known = await call(base, 'POST', '/v1/password/forgot', { body: { email } });
        const unknown = await call(base, 'POST', '/v1/password/forgot', { body: { email: ghost } });
        assert.equal(known.status, 202);
        assert.equal(unknown.status, 202);
        assert.equal(known.text, unknown.text);
        assert.deepEqual(headerNames(known), headerNames(unknown));
        await smtp.waitFor(email, /Reset your password/);
        await service.app.core.lifecycle.sender.drain();
        assert.deepEqual(smtp.messagesTo(ghost), []);
      });

      test('the link sets a new password once, ends every session, and starts none', async () => {
        const { email, password } = await register();
        const { sessionToken } = await login(email, password);
        await call(base, 'POST', '/v1/password/forgot', { body: { email: email.toUpperCase() } });
        const { token, action } = await mailedToken(email, /Reset/);
        assert.equal(action, 'reset-password');

        assertError(await call(base, 'POST', '/v1/password/reset', { body: { token, newPassword: 'password' } }), 400, 'weak_password');
        const newPassword = strongPassword();
        secrets.push(newPassword);
        const reset = await call(base, 'POST', '/v1/password/reset', { body: { token, newPassword } });
        assert.equal(reset.status, 204);
        assert.equal(reset.headers.get('set-cookie'), null, 'a reset signs nobody in');
        assertError(await call(base, 'GET', '/v1/session', { token: sessionToken }), 401, 'invalid_session');
        assertError(await call(base, 'POST', '/v1/login', { body: { email, password } }), 401, 'invalid_credentials');
        await login(email, newPassword);
        assertError(await call(base, 'POST', '/v1/password/reset', { body: { token, newPassword: strongPassword() } }), 400, 'invalid_token');
        await smtp.waitFor(email, /password was changed/);
      });

      for (const parallel of [2, 20]) {
        test(`of ${parallel} parallel uses of one link, exactly one wins`, async () => {
          const { email } = await register();
          await call(base, 'POST', '/v1/password/forgot', { body: { email } });
          const { token } = await mailedToken(email, /Reset/);
          const replies = await Promise.all(
            Array.from({ length: parallel }, () => call(base, 'POST', '/v1/password/reset', { body: { token, newPassword: strongPassword() } })),
          );
          assert.deepEqual(replies.map((reply) => reply.status).sort(), [204, ...Array(parallel - 1).fill(400)]);
          assert.ok(replies.filter((reply) => reply.status === 400).every((reply) => reply.body.error.code === 'invalid_token'));
        });
      }

      test('the link expires after an hour', async () => {
        const { email } = await register();
        await call(base, 'POST', '/v1/password/forgot', { body: { email } });
        const { token } = await mailedToken(email, /Reset/);
        clock.advance(HOUR + 1);
        assertError(await call(base, 'POST', '/v1/password/reset', { body: { token, newPassword: strongPassword() } }), 400, 'invalid_token');
      });
    });

    describe('email change', () => {
      test('confirmed from the new address, it moves the account and tells the old one', async () => {
        const { email, password } = await register();
        const { sessionToken, accessToken } = await login(email, password);
        const newEmail = uniqueEmail('moved');
        secrets.push(newEmail);
        const body = { newEmail, password };
        assertError(await call(base, 'POST', '/v1/email/change', { token: sessionToken, body: { ...body, password: strongPassword() } }), 401, 'invalid_credentials');
        assertError(await call(base, 'POST', '/v1/email/change', { token: accessToken, body }), 401, 'invalid_session');
        assertError(await call(base, 'POST', '/v1/email/change', { token: sessionToken, body: { ...body, newEmail: email } }), 400, 'invalid_request');
        assert.equal((await call(base, 'POST', '/v1/email/change', { token: sessionToken, body })).status, 202);

        const { token, action } = await mailedToken(newEmail, /new email address/);
        assert.equal(action, 'confirm-email-change');
        assert.equal((await call(base, 'POST', '/v1/email/change/confirm', { body: { token } })).status, 204);
        await smtp.waitFor(email, /email address was changed/);
        const session = await call(base, 'GET', '/v1/session', { token: sessionToken });
        assert.equal(session.body.user.email, newEmail);
        assert.ok(session.body.user.emailVerified, 'the confirmed address is verified');
        await login(newEmail, password);
        assertError(await call(base, 'POST', '/v1/login', { body: { email, password } }), 401, 'invalid_credentials');
      });

      test('an address taken meanwhile gets 409 email_taken', async () => {
        const { email, password } = await register();
        const { sessionToken } = await login(email, password);
        const wanted = uniqueEmail('wanted');
        await call(base, 'POST', '/v1/email/change', { token: sessionToken, body: { newEmail: wanted, password } });
        const { token } = await mailedToken(wanted, /new email address/);
        await register(wanted);
        assertError(await call(base, 'POST', '/v1/email/change/confirm', { body: { token } }), 409, 'email_taken');
      });
    });

    describe('notices', () => {
      test('a sign-in from a new device is told; the first and known ones are not', async () => {
        const { email, password } = await register();
        await mailedToken(email, /Confirm/);
        await login(email, password, 'laptop browser');
        await login(email, password, 'laptop browser');
        await login(email, password, 'phone <b>browser</b>');
        const mail = await smtp.waitFor(email, /New sign-in/);
        assert.match(mail.text, /Browser: phone <b>browser<\/b>/);
        assert.match(mail.html, /phone &lt;b&gt;browser&lt;\/b&gt;/, 'values are escaped in HTML');
        await service.app.core.lifecycle.sender.drain();
        assert.equal(smtp.messagesTo(email).filter((m) => /New sign-in/.test(m.subject)).length, 1);
      });

      test('a password change is told', async () => {
        const { email, password } = await register();
        const { sessionToken } = await login(email, password);
        const newPassword = strongPassword();
        secrets.push(newPassword);
        await call(base, 'POST', '/v1/password', { token: sessionToken, body: { currentPassword: password, newPassword } });
        await smtp.waitFor(email, /password was changed/);
      });

      test('MFA and lockout notices go out through the hooks', async () => {
        const { email, user } = await register();
        const { notices } = service.app.core.lifecycle;
        await notices.mfaEnabled(user.id);
        await notices.mfaDisabled(user.id);
        await notices.accountLocked(user.id);
        for (const subject of [/turned on/, /turned off/, /paused/]) await smtp.waitFor(email, subject);
      });
    });

    test('no log line holds an address, a password or a token', () => {
      const joined = service.logs.join('\n');
      for (const secret of secrets) assert.ok(!joined.includes(secret), 'a secret reached the log');
      assert.doesNotMatch(joined, /asl_[A-Za-z0-9_-]{10}|@example\.test/);
      assert.match(joined, /"msg":"mail sent"/);
    });
  });
}

describe('Account lifecycle with verified addresses required', () => {
  let mailed: MailedService;
  let smtp: TestSmtpServer;
  let service: RunningService;

  before(async () => {
    ({ smtp, service } = mailed = await startMailedService('sqlite', { env: { ASTRAL_REQUIRE_VERIFIED_EMAIL: 'true' } }));
  });
  after(() => mailed.stop());

  test('only the right password learns that the address is unverified', async () => {
    const email = uniqueEmail();
    const password = strongPassword();
    await call(service.url, 'POST', '/v1/register', { body: { email, password } });
    assertError(await call(service.url, 'POST', '/v1/login', { body: { email, password: strongPassword() } }), 401, 'invalid_credentials');
    assertError(await call(service.url, 'POST', '/v1/login', { body: { email, password } }), 403, 'email_not_verified');

    const { token } = linkIn(await smtp.waitFor(email, /Confirm/));
    assert.equal((await call(service.url, 'POST', '/v1/email/verify', { body: { token } })).status, 204);
    assert.equal((await call(service.url, 'POST', '/v1/login', { body: { email, password } })).status, 200);
  });
});

const HOUR = 3_600_000;

function headerNames(reply: Reply): string[] {
  return [...reply.headers.keys()].filter((name) => !['date', 'x-request-id', 'content-length'].includes(name)).sort();
}
