import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClock } from '../helpers/clock.js';
import { assertError, auditOf, cookieOf, dropRedisPrefix, engineEnv, evaluatedFailures, login, redisPrefix, register } from '../helpers/guardian.js';
import { call, strongPassword, uniqueEmail, type Reply } from '../helpers/http.js';
import { ENGINES, startService, type RunningService } from '../helpers/service.js';

const LOCKOUT = {
  ASTRAL_LOCKOUT_PAIR_FREE: '5',
  ASTRAL_LOCKOUT_ACCOUNT_LIMIT: '10',
  ASTRAL_LOCKOUT_BACKOFF_BASE: '30s',
  ASTRAL_LOCKOUT_BACKOFF_MAX: '2m',
};

let nextAddress = 1;
/** A fresh client address, believed because the suite's proxy (127.0.0.1) is trusted. */
function address(): string {
  nextAddress++;
  return `198.51.${Math.floor(nextAddress / 250)}.${nextAddress % 250}`;
}
const from = (ip: string) => ({ 'x-forwarded-for': ip });

/**
 * Account protection end to end: the attempt budget under parallel load, the
 * three counters, the owner's known clients, resets, admin unlock, and the
 * client address as the service sees it.
 */
for (const engine of ENGINES) {
  describe(`account protection on ${engine}`, () => {
    const clock = new TestClock();
    const prefix = redisPrefix();
    let direct: RunningService;
    let proxied: RunningService;

    before(async () => {
      const env = { ...LOCKOUT, ...engineEnv(engine, prefix), ASTRAL_ADMIN_TOKEN: 'test-admin-token-0123456789abcdefghij' };
      direct = await startService(engine, { clock, env: { ...env, ASTRAL_LOCKOUT_ADDRESS_FREE: '100000' } });
      proxied = await startService(engine, { clock, env: { ...env, ASTRAL_TRUSTED_PROXIES: '127.0.0.1', ASTRAL_LOCKOUT_ADDRESS_FREE: '20' } });
    });
    after(async () => {
      await direct.stop();
      await proxied.stop();
      await dropRedisPrefix(prefix);
    });

    test('200 parallel wrong passwords from one client: exactly the pair budget is evaluated', async () => {
      const { email, userId } = await register(direct.url);
      const replies = await Promise.all(Array.from({ length: 200 }, () => login(direct.url, email, strongPassword())));
      const statuses = countBy(replies.map((reply) => reply.status));
      assert.deepEqual(statuses, { 401: 5, 429: 195 });
      assert.equal(await evaluatedFailures(direct, userId), 5);
      const throttled = replies.find((reply) => reply.status === 429)!;
      assertError(throttled, 429, 'too_many_attempts');
      assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
    });

    test('200 parallel wrong passwords from 200 addresses: exactly the account limit is evaluated', async () => {
      const { email, userId } = await register(proxied.url);
      const replies = await Promise.all(Array.from({ length: 200 }, () => login(proxied.url, email, strongPassword(), from(address()))));
      assert.deepEqual(countBy(replies.map((reply) => reply.status)), { 401: 10, 429: 190 });
      assert.equal(await evaluatedFailures(proxied, userId), 10);
    });

    test('parallel valid logins are not penalised, and leave the budget whole', async () => {
      const { email, password, userId } = await register(direct.url);
      const replies = await Promise.all(Array.from({ length: 5 }, () => login(direct.url, email, password)));
      assert.deepEqual(replies.map((reply) => reply.status), [200, 200, 200, 200, 200]);
      for (let i = 0; i < 5; i++) assertError(await login(direct.url, email, strongPassword()), 401, 'invalid_credentials');
      assertError(await login(direct.url, email, strongPassword()), 429, 'too_many_attempts');
      assert.equal(await evaluatedFailures(direct, userId), 5);
    });

    test('locked and throttled answers are the same for existing and unknown accounts', async () => {
      const { email } = await register(direct.url);
      const ghost = uniqueEmail('ghost');
      const lastOf = async (target: string) => {
        let reply: Reply | undefined;
        for (let i = 0; i < 6; i++) reply = await login(direct.url, target, strongPassword());
        return reply!;
      };
      const known = await lastOf(email);
      const unknown = await lastOf(ghost);
      assertError(known, 429, 'too_many_attempts');
      assert.equal(unknown.status, known.status);
      assert.deepEqual(unknown.body, known.body);
      assert.equal(unknown.headers.get('retry-after'), known.headers.get('retry-after'));
      assert.deepEqual(headerNames(unknown), headerNames(known));
    });

    test('waits grow exponentially per client and account; refused attempts do not count', async () => {
      const { email, password } = await register(proxied.url);
      const ip = address();
      for (let i = 0; i < 5; i++) assertError(await login(proxied.url, email, strongPassword(), from(ip)), 401, 'invalid_credentials');
      const first = await login(proxied.url, email, password, from(ip));
      assertError(first, 429, 'too_many_attempts');
      assert.equal(first.headers.get('retry-after'), '30');
      assertError(await login(proxied.url, email, password, from(ip)), 429, 'too_many_attempts');

      clock.advance(30_000);
      assertError(await login(proxied.url, email, strongPassword(), from(ip)), 401, 'invalid_credentials');
      const second = await login(proxied.url, email, password, from(ip));
      assert.equal(second.headers.get('retry-after'), '60');
      clock.advance(60_000);
      assert.equal((await login(proxied.url, email, password, from(ip))).status, 200, 'a success after waiting');
      assertError(await login(proxied.url, email, strongPassword(), from(ip)), 401, 'invalid_credentials');
    });

    test('a stranger flooding the account does not lock the owner out of a known device or address', async () => {
      const { email, password } = await register(proxied.url);
      const home = address();
      const owner = await login(proxied.url, email, password, from(home));
      assert.equal(owner.status, 200);
      const device = cookieOf(owner, 'astral_device');
      assert.match(device ?? '', /^astral_device=astd_[A-Za-z0-9_-]{43}$/);

      for (let i = 0; i < 15; i++) await login(proxied.url, email, strongPassword(), from(address()));
      assertError(await login(proxied.url, email, password, from(address())), 429, 'too_many_attempts');

      const roaming = await call(proxied.url, 'POST', '/v1/login', { body: { email, password }, headers: { ...from(address()), cookie: device! } });
      assert.equal(roaming.status, 200, 'the device cookie is known, wherever it comes from');
      assert.equal((await login(proxied.url, email, password, from(home))).status, 200, 'the address is known');
      const forged = `astral_device=astd_${'A'.repeat(43)}`;
      const stranger = await call(proxied.url, 'POST', '/v1/login', { body: { email, password }, headers: { ...from(address()), cookie: forged } });
      assertError(stranger, 429, 'too_many_attempts');
    });

    test('one address against many accounts (credential stuffing) is slowed down', async () => {
      const ip = address();
      for (let i = 0; i < 20; i++) assertError(await login(proxied.url, uniqueEmail('stuffed'), strongPassword(), from(ip)), 401, 'invalid_credentials');
      const { email, password } = await register(proxied.url);
      assertError(await login(proxied.url, email, password, from(ip)), 429, 'too_many_attempts');
      assert.equal((await login(proxied.url, email, password, from(address()))).status, 200);
    });

    test('a success resets the client and account failures', async () => {
      const { email, password } = await register(direct.url);
      for (let i = 0; i < 4; i++) await login(direct.url, email, strongPassword());
      assert.equal((await login(direct.url, email, password)).status, 200);
      for (let i = 0; i < 5; i++) assertError(await login(direct.url, email, strongPassword()), 401, 'invalid_credentials');
    });

    test('an admin unlock lifts the account lock', async () => {
      const { email, password, userId } = await register(proxied.url);
      for (let i = 0; i < 12; i++) await login(proxied.url, email, strongPassword(), from(address()));
      assertError(await login(proxied.url, email, password, from(address())), 429, 'too_many_attempts');
      const unlocked = await call(proxied.url, 'POST', `/v1/admin/users/${userId}/unlock`, { token: 'test-admin-token-0123456789abcdefghij' });
      assert.equal(unlocked.status, 204, unlocked.text);
      assert.equal((await login(proxied.url, email, password, from(address()))).status, 200);
      const events = await auditOf(proxied, { userId, type: 'admin.unlock' });
      assert.equal(events.length, 1);
      assert.equal(events[0]!.actor, 'admin-token');
    });

    test('the current-password check of a password change spends the same budget', async () => {
      const { email, password } = await register(direct.url);
      const session = (await login(direct.url, email, password)).body.sessionToken;
      for (let i = 0; i < 5; i++) {
        const reply = await call(direct.url, 'POST', '/v1/password', { token: session, body: { currentPassword: strongPassword(), newPassword: strongPassword() } });
        assertError(reply, 401, 'invalid_credentials');
      }
      assertError(await login(direct.url, email, password), 429, 'too_many_attempts');
      const change = await call(direct.url, 'POST', '/v1/password', { token: session, body: { currentPassword: password, newPassword: strongPassword() } });
      assertError(change, 429, 'too_many_attempts');
    });

    test('a forged X-Forwarded-For from an untrusted peer changes neither throttling nor audit', async () => {
      const { email, userId } = await register(direct.url);
      for (let i = 0; i < 5; i++) await login(direct.url, email, strongPassword(), from(address()));
      assertError(await login(direct.url, email, strongPassword(), from(address())), 429, 'too_many_attempts');
      const failures = (await auditOf(direct, { userId, type: 'login' })).filter((event) => event.outcome === 'failure');
      assert.ok(failures.length === 5 && failures.every((event) => event.ip === '127.0.0.1'));
    });

    test('refusals and lockouts are in the audit trail with their reason', async () => {
      const { email, userId } = await register(direct.url);
      for (let i = 0; i < 6; i++) await login(direct.url, email, strongPassword());
      const throttled = await auditOf(direct, { userId, type: 'login.throttled' });
      assert.equal(throttled.length, 1);
      assert.equal(throttled[0]!.reason, 'login:pair');
      const failed = await auditOf(direct, { userId, type: 'login' });
      assert.ok(failed.every((event) => event.reason === 'login:invalid_password'));
    });
  });
}

function countBy(values: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function headerNames(reply: Reply): string[] {
  return [...reply.headers.keys()].filter((name) => !['date', 'x-request-id', 'content-length', 'ratelimit'].includes(name)).sort();
}
