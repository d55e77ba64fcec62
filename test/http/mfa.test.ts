import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClock } from '../helpers/clock.js';
import { assertError, auditOf, dropRedisPrefix, engineEnv, login, redisPrefix, register, totpCode } from '../helpers/guardian.js';
import { call, strongPassword } from '../helpers/http.js';
import { ENGINES, startService, type RunningService } from '../helpers/service.js';

const STEP = 30_000;

/** TOTP enrolment, the two-step login, single use of codes, recovery codes and the shared budget. */
for (const engine of ENGINES) {
  describe(`TOTP on ${engine}`, () => {
    const clock = new TestClock(Math.floor(Date.now() / STEP) * STEP + 1_000);
    const prefix = redisPrefix();
    let service: RunningService;
    let base: string;
    const secrets: string[] = [];

    before(async () => {
      service = await startService(engine, { clock, env: { ...engineEnv(engine, prefix), ASTRAL_LOCKOUT_PAIR_FREE: '5' } });
      base = service.url;
    });
    after(async () => {
      await service.stop();
      await dropRedisPrefix(prefix);
    });

    /** A user with TOTP on: returns what the test needs to log in with it. */
    async function enrolledUser() {
      const user = await register(base);
      const session = (await login(base, user.email, user.password)).body.sessionToken as string;
      const enrolled = await call(base, 'POST', '/v1/mfa/totp/enroll', { token: session, body: { password: user.password } });
      assert.equal(enrolled.status, 200, enrolled.text);
      const secret = enrolled.body.secret as string;
      const confirmed = await call(base, 'POST', '/v1/mfa/totp/confirm', { token: session, body: { code: totpCode(secret, clock) } });
      assert.equal(confirmed.status, 200, confirmed.text);
      secrets.push(user.password, user.email, secret, session, ...confirmed.body.recoveryCodes);
      clock.advance(STEP);
      return { ...user, session, secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
    }

    async function challengeFor(user: { email: string; password: string }): Promise<string> {
      const reply = await login(base, user.email, user.password);
      assertError(reply, 401, 'mfa_required');
      assert.match(reply.body.challenge, /^astc_[A-Za-z0-9_-]{43}$/);
      assert.equal(reply.body.sessionToken, undefined);
      assert.equal(reply.headers.get('set-cookie'), null, 'no session before the second factor');
      secrets.push(reply.body.challenge);
      return reply.body.challenge;
    }

    test('enrolment needs the password and gives a 160-bit secret and an otpauth URL', async () => {
      const user = await register(base);
      const session = (await login(base, user.email, user.password)).body.sessionToken;
      assertError(await call(base, 'POST', '/v1/mfa/totp/enroll', { token: session, body: { password: strongPassword() } }), 401, 'invalid_credentials');
      const reply = await call(base, 'POST', '/v1/mfa/totp/enroll', { token: session, body: { password: user.password } });
      assert.equal(reply.status, 200);
      assert.match(reply.body.secret, /^[A-Z2-7]{32}$/);
      const url = new URL(reply.body.otpauthUrl);
      assert.equal(url.protocol, 'otpauth:');
      assert.equal(url.searchParams.get('secret'), reply.body.secret);
      assert.equal(url.searchParams.get('digits'), '6');
      assert.equal(url.searchParams.get('period'), '30');
      const stored = await service.app.core.guardian.store.findTotp(user.userId);
      assert.ok(stored && !stored.secretSealed.includes(reply.body.secret), 'the secret is sealed at rest');
      secrets.push(reply.body.secret);
    });

    test('the enrolment code is single-use too, and a second enrolment is refused', async () => {
      const user = await register(base);
      const session = (await login(base, user.email, user.password)).body.sessionToken;
      assertError(await call(base, 'POST', '/v1/mfa/totp/confirm', { token: session, body: { code: '123456' } }), 409, 'mfa_not_enrolled');
      const { secret } = (await call(base, 'POST', '/v1/mfa/totp/enroll', { token: session, body: { password: user.password } })).body;
      const code = totpCode(secret, clock);
      assert.equal((await call(base, 'POST', '/v1/mfa/totp/confirm', { token: session, body: { code } })).status, 200);
      assertError(await call(base, 'POST', '/v1/mfa/totp/confirm', { token: session, body: { code } }), 409, 'mfa_already_enrolled');
      assertError(await call(base, 'POST', '/v1/mfa/totp/enroll', { token: session, body: { password: user.password } }), 409, 'mfa_already_enrolled');
      const challenge = await challengeFor(user);
      assertError(await call(base, 'POST', '/v1/login/mfa', { body: { challenge, code } }), 401, 'invalid_mfa_code');
      secrets.push(secret);
    });

    test('password then code: the same answer as a login, session cookie included', async () => {
      const user = await enrolledUser();
      const challenge = await challengeFor(user);
      const reply = await call(base, 'POST', '/v1/login/mfa', { body: { challenge, code: totpCode(user.secret, clock) } });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(Object.keys(reply.body).sort(), ['accessToken', 'accessTokenExpiresAt', 'session', 'sessionToken', 'user']);
      assert.match(reply.headers.get('set-cookie') ?? '', /astral_session=ast_/);
      assert.equal((await call(base, 'GET', '/v1/session', { token: reply.body.sessionToken })).status, 200);
      secrets.push(reply.body.sessionToken, reply.body.accessToken);
    });

    test('a code is accepted once: a replay in its window fails, even with a new challenge', async () => {
      const user = await enrolledUser();
      const code = totpCode(user.secret, clock);
      assert.equal((await call(base, 'POST', '/v1/login/mfa', { body: { challenge: await challengeFor(user), code } })).status, 200);
      assertError(await call(base, 'POST', '/v1/login/mfa', { body: { challenge: await challengeFor(user), code } }), 401, 'invalid_mfa_code');
      const previous = totpCode(user.secret, clock, -1);
      assertError(await call(base, 'POST', '/v1/login/mfa', { body: { challenge: await challengeFor(user), code: previous } }), 401, 'invalid_mfa_code');
      clock.advance(STEP);
      assert.equal((await call(base, 'POST', '/v1/login/mfa', { body: { challenge: await challengeFor(user), code: totpCode(user.secret, clock) } })).status, 200);
    });

    test('two parallel uses of one code: exactly one gets through', async () => {
      const user = await enrolledUser();
      const code = totpCode(user.secret, clock);
      const challenges = await Promise.all([challengeFor(user), challengeFor(user), challengeFor(user), challengeFor(user)]);
      const replies = await Promise.all(challenges.map((challenge) => call(base, 'POST', '/v1/login/mfa', { body: { challenge, code } })));
      assert.deepEqual(replies.map((reply) => reply.status).sort(), [200, 401, 401, 401]);
    });

    test('a challenge is single-use and short-lived', async () => {
      const user = await enrolledUser();
      const challenge = await challengeFor(user);
      assert.equal((await call(base, 'POST', '/v1/login/mfa', { body: { challenge, code: totpCode(user.secret, clock) } })).status, 200);
      clock.advance(STEP);
      assertError(await call(base, 'POST', '/v1/login/mfa', { body: { challenge, code: totpCode(user.secret, clock) } }), 401, 'invalid_mfa_code');

      const stale = await challengeFor(user);
      clock.advance(5 * 60_000 + STEP);
      assertError(await call(base, 'POST', '/v1/login/mfa', { body: { challenge: stale, code: totpCode(user.secret, clock) } }), 401, 'invalid_mfa_code');
    });

    test('recovery codes work once each', async () => {
      const user = await enrolledUser();
      const [first, second] = user.recoveryCodes;
      const typed = first!.toLowerCase();
      assert.equal((await call(base, 'POST', '/v1/login/mfa', { body: { challenge: await challengeFor(user), recoveryCode: typed } })).status, 200);
      assertError(await call(base, 'POST', '/v1/login/mfa', { body: { challenge: await challengeFor(user), recoveryCode: first } }), 401, 'invalid_mfa_code');
      assert.equal((await call(base, 'POST', '/v1/login/mfa', { body: { challenge: await challengeFor(user), recoveryCode: second } })).status, 200);
      const used = await auditOf(service, { userId: user.userId, type: 'mfa.recovery_code' });
      assert.equal(used.length, 2);
    });

    test('wrong codes spend the account budget; a new challenge does not reset it; success does', async () => {
      const user = await enrolledUser();
      const spare = await challengeFor(user);
      for (let i = 0; i < 5; i++) {
        const reply = await call(base, 'POST', '/v1/login/mfa', { body: { challenge: await challengeFor(user), code: wrongCode(user.secret) } });
        assertError(reply, 401, 'invalid_mfa_code');
      }
      const blocked = await call(base, 'POST', '/v1/login/mfa', { body: { challenge: spare, code: totpCode(user.secret, clock) } });
      assertError(blocked, 429, 'too_many_attempts');
      assertError(await login(base, user.email, user.password), 429, 'too_many_attempts');

      clock.advance(31_000);
      const challenge = await challengeFor(user);
      assert.equal((await call(base, 'POST', '/v1/login/mfa', { body: { challenge, code: totpCode(user.secret, clock) } })).status, 200);
      for (let i = 0; i < 5; i++) {
        assertError(await call(base, 'POST', '/v1/login/mfa', { body: { challenge: await challengeFor(user), code: wrongCode(user.secret) } }), 401, 'invalid_mfa_code');
      }
    });

    test('disabling needs the password and a code; then the password alone logs in', async () => {
      const user = await enrolledUser();
      const code = totpCode(user.secret, clock);
      assertError(await call(base, 'POST', '/v1/mfa/totp/disable', { token: user.session, body: { password: strongPassword(), code } }), 401, 'invalid_credentials');
      assertError(await call(base, 'POST', '/v1/mfa/totp/disable', { token: user.session, body: { password: user.password, code: wrongCode(user.secret) } }), 401, 'invalid_mfa_code');
      assert.equal((await call(base, 'POST', '/v1/mfa/totp/disable', { token: user.session, body: { password: user.password, code } })).status, 204);
      assert.equal((await login(base, user.email, user.password)).status, 200);
      assertError(await call(base, 'POST', '/v1/mfa/totp/disable', { token: user.session, body: { password: user.password, code } }), 409, 'mfa_not_enrolled');
    });

    test('MFA settings need the session credential, not an access token', async () => {
      const user = await register(base);
      const { accessToken } = (await login(base, user.email, user.password)).body;
      assertError(await call(base, 'POST', '/v1/mfa/totp/enroll', { token: accessToken, body: { password: user.password } }), 401, 'invalid_session');
    });

    test('no audit row or log line holds a secret, code or email', async () => {
      const events = await auditOf(service);
      const joined = JSON.stringify(events) + service.logs.join('\n');
      for (const secret of secrets) assert.ok(!joined.includes(secret), 'a secret reached the audit trail or the log');
      assert.doesNotMatch(joined, /@example\.test|astc_|ast_[A-Za-z0-9_-]{20}|otpauth/);
      assert.ok(events.some((event) => event.type === 'mfa.confirm'));
    });

    function wrongCode(secret: string): string {
      const right = new Set([-1, 0, 1].map((offset) => totpCode(secret, clock, offset)));
      let candidate = 0;
      while (right.has(String(candidate).padStart(6, '0'))) candidate++;
      return String(candidate).padStart(6, '0');
    }
  });
}
