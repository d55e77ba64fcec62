import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { TestClock } from '../helpers/clock.js';
import { call, strongPassword, uniqueEmail, type Reply } from '../helpers/http.js';
import { ENGINES, ROOMY_LOCKOUT, startService, type RunningService } from '../helpers/service.js';

/**
 * The HTTP contract, end to end on a real server, once per storage engine.
 * Every status of the contract is provoked here and asserted by its code.
 */
for (const engine of ENGINES) {
  describe(`HTTP API on ${engine}`, () => {
    const clock = new TestClock();
    let service: RunningService;
    let base: string;
    const secrets: string[] = [];

    before(async () => {
      service = await startService(engine, { clock });
      base = service.url;
    });
    after(() => service.stop());

    async function registerAndLogin(email = uniqueEmail(), password = strongPassword()) {
      secrets.push(password, email);
      const registered = await call(base, 'POST', '/v1/register', { body: { email, password } });
      assert.equal(registered.status, 201, registered.text);
      const login = await call(base, 'POST', '/v1/login', { body: { email, password } });
      assert.equal(login.status, 200, login.text);
      secrets.push(login.body.sessionToken, login.body.accessToken);
      return { email, password, login: login.body, cookie: sessionCookie(login) };
    }

    describe('register', () => {
      test('creates a user with the canonical email and the default role', async () => {
        const password = strongPassword();
        const reply = await call(base, 'POST', '/v1/register', {
          body: { email: '  Ｍixed.Case@Example.TEST ', password, name: 'Mixed Case', teamName: 'Comets' },
        });
        assert.equal(reply.status, 201);
        assert.equal(reply.body.user.email, 'mixed.case@example.test');
        assert.equal(reply.body.user.role, 'user');
        assert.deepEqual(Object.keys(reply.body.user).sort(), ['createdAt', 'email', 'emailVerified', 'id', 'image', 'name', 'role', 'teamName', 'updatedAt']);
      });

      test('refuses a second account for the same address in another case or Unicode form', async () => {
        const email = uniqueEmail('twin');
        assert.equal((await call(base, 'POST', '/v1/register', { body: { email, password: strongPassword() } })).status, 201);
        const upper = await call(base, 'POST', '/v1/register', { body: { email: email.toUpperCase(), password: strongPassword() } });
        assertError(upper, 409, 'email_taken');
      });

      test('a role in the body is refused, never granted', async () => {
        const reply = await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail(), password: strongPassword(), role: 'admin' } });
        assertError(reply, 400, 'invalid_request');
      });

      test('weak passwords are refused with the rule that failed', async () => {
        const email = `weakling@${uniqueEmail('domain').split('@')[0]!.replace(/\./g, '-')}.test`;
        for (const [password, rule] of [['short pass', 'too_short'], ['passwordpassword', 'common'], ['Dragon!!!!!!!!!!!!', 'common'], ['1234567890123456', 'predictable'], ['weakling12345678', 'contextual'], ['x'.repeat(257), 'too_long']]) {
          const reply = await call(base, 'POST', '/v1/register', { body: { email, password } });
          assertError(reply, 400, 'weak_password');
          assert.match(reply.body.error.message, new RegExp(rule!));
        }
      });

      test('a 64-character passphrase of spaces and Unicode is accepted', async () => {
        const password = 'ünïcødé and spaces are fine '.padEnd(64, '·');
        const reply = await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail(), password } });
        assert.equal(reply.status, 201, reply.text);
      });

      test('addresses that are not one plain address are refused', async () => {
        for (const email of ['a@x.test,b@x.test', '"a@b"@x.test', 'a@@x.test', 'a\u0000b@x.test', 'a\u200bb@x.test', 'nobody']) {
          const reply = await call(base, 'POST', '/v1/register', { body: { email, password: strongPassword() } });
          assertError(reply, 400, 'invalid_request');
        }
      });
    });

    describe('login', () => {
      test('answers the contract shape, a hardened cookie and no-store', async () => {
        const email = uniqueEmail();
        const password = strongPassword();
        await call(base, 'POST', '/v1/register', { body: { email, password } });
        const reply = await call(base, 'POST', '/v1/login', { body: { email: email.toUpperCase(), password } });
        assert.equal(reply.status, 200);
        assert.deepEqual(Object.keys(reply.body).sort(), ['accessToken', 'accessTokenExpiresAt', 'session', 'sessionToken', 'user']);
        assert.match(reply.body.sessionToken, /^ast_[A-Za-z0-9_-]{43}$/);
        assert.equal(reply.headers.get('cache-control'), 'no-store');
        const cookie = reply.headers.get('set-cookie') ?? '';
        assert.match(cookie, /^astral_session=ast_/);
        assert.match(cookie, /HttpOnly/);
        assert.match(cookie, /SameSite=Lax/);
      });

      test('unknown email and wrong password get the same answer', async () => {
        const { email } = await registerAndLogin();
        const wrong = await call(base, 'POST', '/v1/login', { body: { email, password: strongPassword() } });
        const unknown = await call(base, 'POST', '/v1/login', { body: { email: uniqueEmail('ghost'), password: strongPassword() } });
        assertError(wrong, 401, 'invalid_credentials');
        assert.equal(unknown.status, wrong.status);
        assert.deepEqual(unknown.body, wrong.body);
        assert.deepEqual(headerNames(unknown), headerNames(wrong));
      });

      test('every login issues a new session token', async () => {
        const { email, password, login } = await registerAndLogin();
        const again = await call(base, 'POST', '/v1/login', { body: { email, password } });
        assert.notEqual(again.body.sessionToken, login.sessionToken);
        assert.notEqual(again.body.session.id, login.session.id);
      });
    });

    describe('session', () => {
      test('validates by cookie, bearer session token and access token', async () => {
        const { login, cookie } = await registerAndLogin();
        for (const options of [{ cookie }, { token: login.sessionToken }, { token: login.accessToken }]) {
          const reply = await call(base, 'GET', '/v1/session', options);
          assert.equal(reply.status, 200, reply.text);
          assert.equal(reply.body.session.id, login.session.id);
          assert.equal(reply.body.user.id, login.user.id);
        }
      });

      test('refuses missing, malformed and forged credentials with 401', async () => {
        const { login } = await registerAndLogin();
        const [header, payload, signature] = login.accessToken.split('.');
        const forged = `${header}.${Buffer.from(JSON.stringify({ sub: login.user.id, sid: login.session.id, role: 'admin' })).toString('base64url')}.${signature}`;
        const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`;
        const cases: Array<Record<string, string>> = [
          {},
          { authorization: 'Bearer' },
          { authorization: 'Basic dXNlcjpwYXNz' },
          { authorization: `Bearer ${login.sessionToken}x` },
          { authorization: `Bearer ${login.sessionToken.slice(0, -1)}${login.sessionToken.endsWith('A') ? 'E' : 'A'}` },
          { authorization: `Bearer ${forged}` },
          { authorization: `Bearer ${none}` },
          { authorization: `Bearer ${login.accessToken.slice(0, -4)}` },
          { cookie: 'astral_session=%%%' },
          { authorization: 'Bearer \u00ff'.normalize() },
        ];
        for (const headers of cases) {
          const reply = await call(base, 'GET', '/v1/session', { headers }).catch(() => undefined);
          if (reply) assertError(reply, 401, 'invalid_session');
        }
      });

      test('ends after the idle timeout and after the absolute lifetime', async () => {
        const { login } = await registerAndLogin();
        clock.advance(23 * HOUR);
        assert.equal((await call(base, 'GET', '/v1/session', { token: login.sessionToken })).status, 200);
        await service.app.core.store.touchSessions([{ id: login.session.id, lastSeenAt: clock.now() }]);
        clock.advance(23 * HOUR);
        assert.equal((await call(base, 'GET', '/v1/session', { token: login.sessionToken })).status, 200, 'touched sessions slide');
        clock.advance(25 * HOUR);
        assertError(await call(base, 'GET', '/v1/session', { token: login.sessionToken }), 401, 'invalid_session');

        const fresh = await registerAndLogin();
        for (let step = 0; step < 9; step++) {
          clock.advance(20 * HOUR);
          await service.app.core.store.touchSessions([{ id: fresh.login.session.id, lastSeenAt: clock.now() }]);
        }
        assertError(await call(base, 'GET', '/v1/session', { token: fresh.login.sessionToken }), 401, 'invalid_session');
      });
    });

    describe('token', () => {
      test('a session token mints an access token; an access token cannot', async () => {
        const { login } = await registerAndLogin();
        const minted = await call(base, 'POST', '/v1/token', { token: login.sessionToken });
        assert.equal(minted.status, 200);
        assert.equal((await call(base, 'GET', '/v1/session', { token: minted.body.accessToken })).status, 200);
        assertError(await call(base, 'POST', '/v1/token', { token: login.accessToken }), 401, 'invalid_session');
      });

      test('a rotated-in key is published before it signs; old tokens verify until the old key retires', async () => {
        const { login } = await registerAndLogin();
        const ring = service.app.core.keyRing;
        const oldKid = kidOf(login.accessToken);
        const { kid: newKid } = await ring.rotate('EdDSA', clock.now(), { activationDelayMs: 2 * MINUTE, graceMs: 6 * MINUTE });
        const jwks = await call(base, 'GET', '/.well-known/jwks.json');
        assert.ok(jwks.body.keys.some((key: { kid: string }) => key.kid === newKid), 'published at once');
        const early = await call(base, 'POST', '/v1/token', { token: login.sessionToken });
        assert.equal(kidOf(early.body.accessToken), oldKid, 'the old key still signs until activation');

        clock.advance(2 * MINUTE);
        const minted = await call(base, 'POST', '/v1/token', { token: login.sessionToken });
        assert.equal(kidOf(minted.body.accessToken), newKid);
        assert.equal((await call(base, 'GET', '/v1/session', { token: login.accessToken })).status, 200);
        clock.advance(7 * MINUTE);
        assert.ok(!(await call(base, 'GET', '/.well-known/jwks.json')).body.keys.some((key: { kid: string }) => key.kid === kidOf(login.accessToken)));
        assertError(await call(base, 'GET', '/v1/session', { token: login.accessToken }), 401, 'invalid_session');
      });
    });

    describe('logout', () => {
      test('kills the session for its token and its access tokens', async () => {
        const { login } = await registerAndLogin();
        assert.equal((await call(base, 'POST', '/v1/logout', { token: login.sessionToken })).status, 204);
        assertError(await call(base, 'GET', '/v1/session', { token: login.sessionToken }), 401, 'invalid_session');
        assertError(await call(base, 'GET', '/v1/session', { token: login.accessToken }), 401, 'invalid_session');
        assertError(await call(base, 'POST', '/v1/token', { token: login.sessionToken }), 401, 'invalid_session');
      });

      test('logout-all kills every session of the user', async () => {
        const { email, password, login } = await registerAndLogin();
        const second = (await call(base, 'POST', '/v1/login', { body: { email, password } })).body;
        assert.equal((await call(base, 'POST', '/v1/logout-all', { token: second.sessionToken })).status, 204);
        for (const token of [login.sessionToken, second.sessionToken, login.accessToken]) {
          assertError(await call(base, 'GET', '/v1/session', { token }), 401, 'invalid_session');
        }
      });

      test('with a cookie, clears it; from a foreign origin, is refused', async () => {
        const { login, cookie } = await registerAndLogin();
        const foreign = await call(base, 'POST', '/v1/logout', { cookie, headers: { origin: 'https://evil.example' } });
        assertError(foreign, 403, 'forbidden_origin');
        const crossSite = await call(base, 'POST', '/v1/logout', { cookie, headers: { 'sec-fetch-site': 'cross-site' } });
        assertError(crossSite, 403, 'forbidden_origin');
        assert.equal((await call(base, 'GET', '/v1/session', { token: login.sessionToken })).status, 200);

        const own = await call(base, 'POST', '/v1/logout', { cookie, headers: { origin: new URL(base).origin } });
        assert.equal(own.status, 204);
        assert.match(own.headers.get('set-cookie') ?? '', /astral_session=;.*Max-Age=0|Expires=Thu, 01 Jan 1970/);
      });

      test('a bearer token is not an ambient credential: a foreign origin may use it', async () => {
        const { login } = await registerAndLogin();
        const reply = await call(base, 'POST', '/v1/logout', { token: login.sessionToken, headers: { origin: 'https://app.example' } });
        assert.equal(reply.status, 204);
      });
    });

    describe('password change', () => {
      test('needs the current password, keeps this session and ends the others', async () => {
        const { email, password, login } = await registerAndLogin();
        const other = (await call(base, 'POST', '/v1/login', { body: { email, password } })).body;
        const newPassword = strongPassword();
        secrets.push(newPassword);

        const wrong = await call(base, 'POST', '/v1/password', { token: login.sessionToken, body: { currentPassword: strongPassword(), newPassword } });
        assertError(wrong, 401, 'invalid_credentials');
        const weak = await call(base, 'POST', '/v1/password', { token: login.sessionToken, body: { currentPassword: password, newPassword: 'password' } });
        assertError(weak, 400, 'weak_password');
        const byAccessToken = await call(base, 'POST', '/v1/password', { token: login.accessToken, body: { currentPassword: password, newPassword } });
        assertError(byAccessToken, 401, 'invalid_session');

        const changed = await call(base, 'POST', '/v1/password', { token: login.sessionToken, body: { currentPassword: password, newPassword } });
        assert.equal(changed.status, 204);
        assert.equal((await call(base, 'GET', '/v1/session', { token: login.sessionToken })).status, 200);
        assertError(await call(base, 'GET', '/v1/session', { token: other.sessionToken }), 401, 'invalid_session');
        assertError(await call(base, 'POST', '/v1/login', { body: { email, password } }), 401, 'invalid_credentials');
        assert.equal((await call(base, 'POST', '/v1/login', { body: { email, password: newPassword } })).status, 200);
      });
    });

    describe('imported users', () => {
      test('a bcrypt hash verifies over the raw bytes and is upgraded to argon2id on first login', async () => {
        const email = uniqueEmail('legacy');
        const password = 'ﬁeld goal ２０２４ legacy'; // NFKC would change it: the legacy hash is of the raw bytes.
        const id = `c${Date.now().toString(36)}legacy${engine}`;
        const now = clock.now();
        const hashedPassword = (await bcryptHash(password, 4)).replace(/^\$2b\$/, '$2y$');
        const outcome = await service.app.core.store.importUsers([
          { id, email, name: null, image: null, role: 'ADMIN', teamName: null, hashedPassword, hashOrigin: 'imported', emailVerifiedAt: null, createdAt: now, updatedAt: now },
        ]);
        assert.deepEqual(outcome, ['inserted']);

        assertError(await call(base, 'POST', '/v1/login', { body: { email, password: password.normalize('NFKC') } }), 401, 'invalid_credentials');
        const first = await call(base, 'POST', '/v1/login', { body: { email, password } });
        assert.equal(first.status, 200, first.text);
        assert.equal(first.body.user.role, 'ADMIN');

        const stored = await service.app.core.store.findLoginById(id);
        assert.match(stored?.hashedPassword ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
        assert.equal(stored?.hashOrigin, 'native');
        assert.equal((await call(base, 'POST', '/v1/login', { body: { email, password } })).status, 200);
      });

      test('a user without a password (OAuth only) cannot log in with one', async () => {
        const email = uniqueEmail('oauth');
        const now = clock.now();
        await service.app.core.store.importUsers([
          { id: `c${Date.now().toString(36)}oauth${engine}`, email, name: null, image: null, role: 'PLAYER', teamName: null, hashedPassword: null, hashOrigin: 'imported', emailVerifiedAt: null, createdAt: now, updatedAt: now },
        ]);
        assertError(await call(base, 'POST', '/v1/login', { body: { email, password: strongPassword() } }), 401, 'invalid_credentials');
      });
    });

    describe('bad input', () => {
      const cases: Array<[string, { rawBody?: string | Buffer; headers?: Record<string, string> }, number, string]> = [
        ['malformed JSON', { rawBody: '{"email":', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
        ['an empty JSON body', { rawBody: '', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
        ['a repeated key', { rawBody: '{"email":"a@b.test","email":"c@d.test","password":"p"}', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
        ['invalid UTF-8', { rawBody: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
        ['deep nesting', { rawBody: `{"email":${'['.repeat(50)}${']'.repeat(50)}}`, headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
        ['an array for a string', { rawBody: '{"email":["a@b.test"],"password":"p"}', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
        ['a number for a string', { rawBody: '{"email":"a@b.test","password":12345}', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
        ['a JSON array body', { rawBody: '[]', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
        ['a __proto__ key', { rawBody: '{"email":"a@b.test","password":"p","__proto__":{"role":"admin"}}', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
        ['a form body', { rawBody: 'email=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
        ['a text body', { rawBody: '{"email":"a@b.test","password":"p"}', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
        ['an oversized body', { rawBody: JSON.stringify({ email: 'a@b.test', password: 'p'.repeat(20_000) }), headers: { 'content-type': 'application/json' } }, 413, 'payload_too_large'],
      ];
      for (const [name, options, status, code] of cases) {
        test(`${name} gets ${status} ${code}`, async () => {
          assertError(await call(base, 'POST', '/v1/login', options), status, code);
        });
      }

      test('unknown routes and methods get coded errors', async () => {
        assertError(await call(base, 'GET', '/v1/nothing-here'), 404, 'not_found');
        assertError(await call(base, 'DELETE', '/v1/login'), 404, 'not_found');
      });
    });

    describe('system', () => {
      test('health, readiness, JWKS and OpenAPI answer', async () => {
        assert.equal((await call(base, 'GET', '/healthz')).body.status, 'ok');
        assert.equal((await call(base, 'GET', '/readyz')).body.status, 'ready');
        const jwks = await call(base, 'GET', '/.well-known/jwks.json');
        assert.ok(jwks.body.keys.every((key: Record<string, unknown>) => key.kid && key.alg && !('d' in key)));
        const openapi = await call(base, 'GET', '/v1/openapi.json');
        assert.equal(openapi.body.openapi, '3.1.0');
        assert.ok(openapi.body.paths['/v1/login']);
      });

      test('every response carries the security headers', async () => {
        const reply = await call(base, 'GET', '/v1/session');
        assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(reply.headers.get('x-frame-options'), 'DENY');
        assert.equal(reply.headers.get('referrer-policy'), 'no-referrer');
        assert.equal(reply.headers.get('cache-control'), 'no-store');
        assert.equal(reply.headers.get('strict-transport-security'), null, 'HSTS only over TLS');
      });
    });

    test('no log line holds a password, token, hash or email', () => {
      assert.ok(service.logs.length > 20, 'the suite logged requests');
      const joined = service.logs.join('\n');
      for (const secret of secrets) assert.ok(!joined.includes(secret), 'a secret reached the log');
      assert.doesNotMatch(joined, /\$argon2id\$|\$2[aby]\$|ast_[A-Za-z0-9_-]{20}|eyJhbGci|@example\.test/);
    });
  });
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

function assertError(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.body?.error?.code, code, reply.text);
  assert.equal(typeof reply.body.error.message, 'string');
}

function sessionCookie(reply: Reply): string {
  return (reply.headers.get('set-cookie') ?? '').split(';')[0]!;
}

function headerNames(reply: Reply): string[] {
  return [...reply.headers.keys()].filter((name) => !['date', 'x-request-id', 'content-length'].includes(name)).sort();
}

function kidOf(jwt: string): string {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).kid;
}

/**
 * R10: unknown accounts, wrong passwords and (imported, not yet upgraded)
 * bcrypt accounts take the same time to fail. Attempts are interleaved so
 * that load on the machine falls on all kinds alike; the tolerance is 30 %
 * of the slowest median (the differences that matter are multiples: bcrypt
 * against argon2id, or no hashing at all against some).
 */
describe('login timing parity', () => {
  let service: RunningService;
  before(async () => {
    const seed = await startService('sqlite', { env: ROOMY_LOCKOUT });
    const hashedPassword = await bcryptHash('legacy password of somebody', 10);
    const now = Date.now();
    await seed.app.core.store.importUsers([
      { id: 'timing-legacy', email: 'legacy@timing.test', name: null, image: null, role: 'user', teamName: null, hashedPassword, hashOrigin: 'imported', emailVerifiedAt: null, createdAt: now, updatedAt: now },
    ]);
    // A restart, as after an import: the failure floor is measured at start.
    service = await startService('sqlite', { join: seed, env: ROOMY_LOCKOUT });
    await seed.app.close();
  });
  after(() => service.stop());

  test('unknown, wrong-password and legacy accounts fail in the same time', async () => {
    await call(service.url, 'POST', '/v1/register', { body: { email: 'native@timing.test', password: strongPassword() } });
    await assertParity(service.url, { unknown: 'ghost@timing.test', native: 'native@timing.test', legacy: 'legacy@timing.test' });
  });

  test('without imported hashes, unknown and wrong-password fail in the same time', async () => {
    const plain = await startService('sqlite', { env: ROOMY_LOCKOUT });
    try {
      await call(plain.url, 'POST', '/v1/register', { body: { email: 'native@timing.test', password: strongPassword() } });
      await assertParity(plain.url, { unknown: 'ghost@timing.test', native: 'native@timing.test' });
    } finally {
      await plain.stop();
    }
  });
});

async function assertParity(base: string, kinds: Record<string, string>): Promise<void> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map((kind) => [kind, []]));
  for (let round = 0; round < 16; round++) {
    for (const [kind, email] of Object.entries(kinds)) {
      const started = performance.now();
      const reply = await call(base, 'POST', '/v1/login', { body: { email, password: 'a wrong password entirely' } });
      times[kind]!.push(performance.now() - started);
      assert.equal(reply.status, 401);
    }
  }
  const medians = Object.fromEntries(Object.entries(times).map(([kind, list]) => [kind, median(list)]));
  process.stdout.write(`# failed login medians (ms): ${JSON.stringify(medians)}\n`);
  const slowest = Math.max(...Object.values(medians));
  for (const value of Object.values(medians)) assert.ok(slowest - value <= slowest * 0.3, JSON.stringify(medians));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
