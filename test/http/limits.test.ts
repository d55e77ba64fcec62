import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClock } from '../helpers/clock.js';
import { assertError, auditOf, dropRedisPrefix, engineEnv, login, redisPrefix, register, totpCode } from '../helpers/guardian.js';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { ENGINES, startService, type RunningService } from '../helpers/service.js';

const ADMIN_TOKEN = 'admin-token-for-limits-0123456789abcdef';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** Per-route request limits, address blocks, and the risk signals with each action. */
for (const engine of ENGINES) {
  describe(`request limits, blocks and risk on ${engine}`, () => {
    const clock = new TestClock();
    const prefix = redisPrefix();
    const services: RunningService[] = [];
    const start = async (env: Record<string, string>) => {
      const service = await startService(engine, { clock, env: { ...engineEnv(engine, prefix), ASTRAL_TRUSTED_PROXIES: '127.0.0.1', ASTRAL_ADMIN_TOKEN: ADMIN_TOKEN, ...env } });
      services.push(service);
      return service;
    };
    after(async () => {
      for (const service of services) await service.stop();
      await dropRedisPrefix(prefix);
    });

    describe('request limits', () => {
      let base: string;
      before(async () => {
        base = (await start({ ASTRAL_RATE_REGISTER: '3', ASTRAL_RATE_GENERAL: '5', ASTRAL_RATE_WINDOW: '1m' })).url;
      });

      test('answers carry RateLimit-Policy and RateLimit; past the limit, 429 with Retry-After', async () => {
        const headers = { 'x-forwarded-for': '192.0.2.10' };
        const first = await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail(), password: strongPassword() }, headers });
        assert.equal(first.status, 201);
        assert.equal(first.headers.get('ratelimit-policy'), '"register";q=3;w=60');
        assert.equal(first.headers.get('ratelimit'), '"register";r=2;t=60');
        for (let i = 0; i < 2; i++) await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail(), password: strongPassword() }, headers });
        const refused = await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail(), password: strongPassword() }, headers });
        assertError(refused, 429, 'too_many_attempts');
        assert.equal(refused.headers.get('retry-after'), '60');
        assert.equal(refused.headers.get('ratelimit'), '"register";r=0;t=60');

        const elsewhere = await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail(), password: strongPassword() }, headers: { 'x-forwarded-for': '192.0.2.11' } });
        assert.equal(elsewhere.status, 201, 'limits are per address');
        clock.advance(60_000);
        assert.equal((await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail(), password: strongPassword() }, headers })).status, 201, 'a new window');
      });

      test('routes count in their own buckets; health checks in none', async () => {
        const headers = { 'x-forwarded-for': '192.0.2.20' };
        for (let i = 0; i < 5; i++) assert.equal((await call(base, 'POST', '/v1/token', { headers })).status, 401);
        assertError(await call(base, 'POST', '/v1/token', { headers }), 429, 'too_many_attempts');
        assertError(await call(base, 'GET', '/v1/session', { headers }), 401, 'invalid_session'); // session checks are not limited
        assert.equal((await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail(), password: strongPassword() }, headers })).status, 201);
        for (let i = 0; i < 10; i++) assert.equal((await call(base, 'GET', '/healthz', { headers })).status, 200);
      });
    });

    describe('address blocks', () => {
      test('an admin blocks a CIDR range for a time; requests from it get 403 until it ends or is lifted', async () => {
        const { url: base } = await start({});
        const inside = { 'x-forwarded-for': '203.0.113.77' };
        const outside = { 'x-forwarded-for': '198.51.100.77' };
        const created = await call(base, 'POST', '/v1/admin/blocks', { token: ADMIN_TOKEN, body: { cidr: '203.0.113.0/24', duration: '10m', reason: 'scanner' } });
        assert.equal(created.status, 201, created.text);
        assertError(await call(base, 'GET', '/v1/session', { headers: inside }), 403, 'forbidden');
        assertError(await call(base, 'POST', '/v1/login', { body: { email: uniqueEmail(), password: 'x' }, headers: inside }), 403, 'forbidden');
        assertError(await call(base, 'GET', '/v1/session', { headers: outside }), 401, 'invalid_session');
        assert.equal((await call(base, 'GET', '/v1/admin/blocks', { token: ADMIN_TOKEN })).body.blocks.length, 1);

        clock.advance(11 * 60_000);
        assertError(await call(base, 'GET', '/v1/session', { headers: inside }), 401, 'invalid_session');

        const again = await call(base, 'POST', '/v1/admin/blocks', { token: ADMIN_TOKEN, body: { cidr: '2001:db8::/32', duration: '1h' } });
        assertError(await call(base, 'GET', '/v1/session', { headers: { 'x-forwarded-for': '2001:db8:5::1' } }), 403, 'forbidden');
        assert.equal((await call(base, 'DELETE', `/v1/admin/blocks/${again.body.id}`, { token: ADMIN_TOKEN })).status, 204);
        assertError(await call(base, 'GET', '/v1/session', { headers: { 'x-forwarded-for': '2001:db8:5::1' } }), 401, 'invalid_session');
        assertError(await call(base, 'POST', '/v1/admin/blocks', { token: ADMIN_TOKEN, body: { cidr: '10.0.0.0/33', duration: '1h' } }), 400, 'invalid_request');
      });
    });

    describe('risk signals', () => {
      async function signIn(base: string, ip: string, userAgent = CHROME) {
        const user = await register(base);
        const reply = await login(base, user.email, user.password, { 'x-forwarded-for': ip, 'user-agent': userAgent });
        assert.equal(reply.status, 200, reply.text);
        return { ...user, token: reply.body.sessionToken as string };
      }
      const use = (base: string, token: string, ip: string, userAgent = CHROME) =>
        call(base, 'GET', '/v1/session', { token, headers: { 'x-forwarded-for': ip, 'user-agent': userAgent } });

      test('record: a new device at login and a changed context in use are audited once, the session keeps working', async () => {
        const service = await start({});
        const user = await signIn(service.url, '203.0.113.5');
        assert.equal((await use(service.url, user.token, '203.0.200.1')).status, 200, 'same /16');
        assert.equal((await use(service.url, user.token, '198.51.100.9')).status, 200);
        assert.equal((await use(service.url, user.token, '198.51.100.9')).status, 200);
        assert.equal((await use(service.url, user.token, '203.0.113.5', FIREFOX)).status, 200);
        const reasons = (await auditOf(service, { userId: user.userId, type: 'risk' })).map((event) => event.reason).sort();
        assert.deepEqual(reasons, ['context_change:address:record', 'context_change:user_agent:record', 'new_device:record']);
      });

      test('deny: a session used from another network is revoked', async () => {
        const { url } = await start({ ASTRAL_RISK_CONTEXT_CHANGE: 'deny' });
        const user = await signIn(url, '203.0.113.5');
        assertError(await use(url, user.token, '198.51.100.9'), 401, 'invalid_session');
        assertError(await use(url, user.token, '203.0.113.5'), 401, 'invalid_session');
      });

      test('shorten: the session lifetime drops to the short lifetime', async () => {
        const { url } = await start({ ASTRAL_RISK_CONTEXT_CHANGE: 'shorten', ASTRAL_RISK_SHORT_LIFETIME: '10m' });
        const user = await signIn(url, '203.0.113.5');
        const before = Date.parse((await use(url, user.token, '203.0.113.5')).body.session.expiresAt);
        await use(url, user.token, '198.51.100.9');
        const after = Date.parse((await use(url, user.token, '203.0.113.5')).body.session.expiresAt);
        assert.ok(after < before && after <= clock.now() + 10 * 60_000);
      });

      test('step_up: a TOTP user confirms the session with a code; then it works from the new context', async () => {
        const { url } = await start({ ASTRAL_RISK_CONTEXT_CHANGE: 'step_up' });
        const user = await signIn(url, '203.0.113.5');
        const enrolled = await call(url, 'POST', '/v1/mfa/totp/enroll', { token: user.token, body: { password: user.password }, headers: { 'x-forwarded-for': '203.0.113.5', 'user-agent': CHROME } });
        const { secret } = enrolled.body;
        await call(url, 'POST', '/v1/mfa/totp/confirm', { token: user.token, body: { code: totpCode(secret, clock) }, headers: { 'x-forwarded-for': '203.0.113.5', 'user-agent': CHROME } });
        clock.advance(30_000);

        assertError(await use(url, user.token, '198.51.100.9'), 401, 'step_up_required');
        assertError(await use(url, user.token, '203.0.113.5'), 401, 'step_up_required');
        const confirm = await call(url, 'POST', '/v1/session/step-up', { token: user.token, body: { code: totpCode(secret, clock) }, headers: { 'x-forwarded-for': '198.51.100.9', 'user-agent': CHROME } });
        assert.equal(confirm.status, 204, confirm.text);
        assert.equal((await use(url, user.token, '198.51.100.9')).status, 200);
      });

      test('deny on a new device refuses the login with the generic failure', async () => {
        const { url } = await start({ ASTRAL_RISK_NEW_DEVICE: 'deny' });
        const user = await register(url);
        assertError(await login(url, user.email, user.password, { 'x-forwarded-for': '203.0.113.5' }), 401, 'invalid_credentials');
      });

      test('a login after a burst of failures raises failure_burst', async () => {
        const service = await start({ ASTRAL_RISK_BURST_THRESHOLD: '3', ASTRAL_RISK_FAILURE_BURST: 'shorten', ASTRAL_RISK_SHORT_LIFETIME: '10m' });
        const user = await register(service.url);
        for (let i = 0; i < 3; i++) await login(service.url, user.email, strongPassword(), { 'x-forwarded-for': `192.0.2.${i + 1}` });
        const reply = await login(service.url, user.email, user.password, { 'x-forwarded-for': '192.0.2.50' });
        assert.equal(reply.status, 200);
        assert.ok(Date.parse(reply.body.session.expiresAt) <= clock.now() + 10 * 60_000);
        const risk = await auditOf(service, { userId: user.userId, type: 'risk' });
        assert.deepEqual(risk.map((event) => event.reason), ['new_device+failure_burst:shorten']);
      });
    });
  });
}
