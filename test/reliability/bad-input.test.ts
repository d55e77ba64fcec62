import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/http/error-codes.js';
import { EMAIL_FORMS, emailInForm, type EmailForm } from '../helpers/email-forms.js';
import { call, strongPassword, uniqueEmail, type Reply } from '../helpers/http.js';
import { createAccount, type Account } from '../helpers/load.js';
import { faultLines } from '../helpers/service-process.js';
import { ROOMY_LOCKOUT, ENGINES, startService, type RunningService } from '../helpers/service.js';

/**
 * Bad input on every endpoint, generated (fast-check) and hand-picked:
 * random and hostile JSON (wrong types, arrays for strings, `__proto__` and
 * `constructor` keys, deep nesting, very long strings, invalid UTF-8, NUL
 * bytes, lone surrogates), wrong methods and content types, huge bodies and
 * headers. The service never answers 500 and never dies; every error is in
 * the documented shape; and nothing the fuzzing stored breaks a later
 * request: every account it created logs in and reads its session.
 */
const KNOWN_CODES = new Set(Object.keys(ERROR_CODES));
const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'role', 'id', 'emailVerified', 'disabledAt', 'isAdmin', ''];

interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly fields: readonly string[];
  /** The credential it is sent with: none, junk, or a live session of the fuzzing account. */
  readonly credential: 'none' | 'junk' | 'session';
}

const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/register', fields: ['email', 'password', 'name', 'image', 'teamName'], credential: 'none' },
  { method: 'POST', path: '/v1/login', fields: ['email', 'password'], credential: 'none' },
  { method: 'POST', path: '/v1/password', fields: ['currentPassword', 'newPassword'], credential: 'session' },
  { method: 'POST', path: '/v1/token', fields: [], credential: 'session' },
  { method: 'POST', path: '/v1/logout', fields: [], credential: 'junk' },
  { method: 'POST', path: '/v1/logout-all', fields: [], credential: 'junk' },
  { method: 'GET', path: '/v1/session', fields: [], credential: 'session' },
];

/** Strings an attacker or a broken client sends. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b@x.test', '\ud800', 'x\udfff@example.test', '\u202e', '\ufeff@x.test', 'A'.repeat(320), '@', '"@"'),
  fc.nat({ max: 15_000 }).map((length) => 'x'.repeat(length)),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), hostileString, { maxKeys: 3 }),
);

/** JSON text built by hand, so that `__proto__` stays an own key and keys may repeat. */
function objectText(entries: ReadonlyArray<readonly [string, unknown]>): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`;
}

function hostileBody(route: Route): fc.Arbitrary<string | Buffer> {
  const field = route.fields.length > 0 ? fc.constantFrom(...route.fields) : fc.constantFrom(...EXTRA_KEYS);
  const entry = fc.tuple(fc.oneof({ weight: 3, arbitrary: field }, fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 8 })), hostileValue);
  return fc.oneof(
    { weight: 5, arbitrary: fc.array(entry, { maxLength: 6 }).map(objectText) },
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    fc.nat({ max: 3_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
    fc.nat({ max: 2_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom('', 'null', '[]', '"text"', '1e999', '{"email":"a@b.test","email":"c@d.test"}', '{"password":"\\ud800\\udc00x"}'),
  );
}

function assertWellFormed(reply: Reply, what: string): void {
  assert.ok(reply.status < 500, `${what}: ${reply.status} ${reply.text}`);
  if (reply.status >= 400) {
    assert.ok(KNOWN_CODES.has(reply.body?.error?.code), `${what}: undocumented error ${reply.text}`);
    assert.equal(reply.status, ERROR_CODES[reply.body.error.code as keyof typeof ERROR_CODES].status, what);
  }
}

for (const engine of ENGINES) {
  describe(`bad input on ${engine}`, () => {
    let service: RunningService;
    let fuzzer: Account;
    const created: Array<{ email: string; password: string; userId: string }> = [];

    before(async () => {
      service = await startService(engine, { env: { ...ROOMY_LOCKOUT, ASTRAL_LOG_LEVEL: 'info' } });
      fuzzer = await createAccount(service.url);
    });
    after(() => service.stop());

    function credentialFor(route: Route, junk: string): Record<string, string> {
      if (route.credential === 'session') return { authorization: `Bearer ${fuzzer.sessionToken}` };
      if (route.credential === 'junk') return { authorization: `Bearer ${junk}` };
      return {};
    }

    for (const route of ROUTES) {
      test(`${route.method} ${route.path}: hostile JSON never gets a 500`, async () => {
        const junkToken = fc.oneof(fc.constant(`ast_${'A'.repeat(43)}`), fc.string({ unit: fc.constantFrom(...'Aa0-_.~+/='), minLength: 1, maxLength: 60 }));
        await fc.assert(
          fc.asyncProperty(hostileBody(route), junkToken, async (body, junk) => {
            const reply = await call(service.url, route.method, route.path, {
              rawBody: route.method === 'GET' ? undefined : body,
              headers: { 'content-type': 'application/json', ...credentialFor(route, junk) },
            });
            assertWellFormed(reply, `${route.method} ${route.path} with ${String(body).slice(0, 80)}`);
            if (route.path === '/v1/register' && reply.status === 201) {
              const { email, password } = JSON.parse(String(body)) as { email: string; password: string };
              created.push({ email, password, userId: reply.body.user.id });
            }
          }),
          { numRuns: engine === 'sqlite' ? 150 : 80 },
        );
      });
    }

    test('odd but acceptable registrations are stored in a way every later request can read', async () => {
      const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzäöüßçñåéèêëīœøæαβγδεζηθλμπστφχψωабвгдежзийклмнопрстуфхцчшщыэюя日本語中文한국어');
      const localPart = fc.string({ unit: fc.oneof({ weight: 5, arbitrary: letter }, fc.constantFrom(...'0123456789.-_+')), minLength: 1, maxLength: 20 })
        .filter((local) => !local.startsWith('.') && !local.endsWith('.') && !local.includes('..'));
      const registration = fc.record({
        local: localPart,
        form: fc.constantFrom<EmailForm>('as typed', 'upper', 'fullwidth', 'spaced'),
        password: fc.string({ unit: 'binary', minLength: 15, maxLength: 64 }),
        name: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), { nil: undefined }),
        teamName: fc.option(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), { nil: undefined }),
        image: fc.option(fc.webUrl({ validSchemes: ['https'] }), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(registration, async ({ local, form, password, name, teamName, image }) => {
          const email = emailInForm(`${local}.${created.length}@fuzz.example.test`, form);
          const reply = await call(service.url, 'POST', '/v1/register', { body: { email, password, name, teamName, image } });
          assertWellFormed(reply, `register ${JSON.stringify({ email, name, teamName, image })}`);
          if (reply.status === 201) created.push({ email, password, userId: reply.body.user.id });
        }),
        { numRuns: engine === 'sqlite' ? 30 : 20 },
      );
      assert.ok(created.length > 5, `the fuzzing created accounts (${created.length})`);
    });

    test('every account the fuzzing created logs in with its password and reads its session', async () => {
      for (const account of created) {
        const login = await call(service.url, 'POST', '/v1/login', { body: { email: account.email, password: account.password } });
        assert.equal(login.status, 200, `login of ${JSON.stringify(account.email)}: ${login.text}`);
        const session = await call(service.url, 'GET', '/v1/session', { token: login.body.sessionToken });
        assert.equal(session.status, 200, session.text);
        assert.equal(session.body.user.id, account.userId);
        assert.deepEqual(session.body.user, login.body.user, 'the stored user reads back the same every time');
      }
    });

    test('every Unicode and case form of one address is one account', async () => {
      const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzéèüöçñåø');
      const address = fc.tuple(fc.string({ unit: letter, minLength: 1, maxLength: 12 }), fc.nat()).map(([local, n]) => `${local}${n}@forms.example.test`);
      const forms = fc.shuffledSubarray([...EMAIL_FORMS], { minLength: 2, maxLength: 2 });
      await fc.assert(
        fc.asyncProperty(address, forms, async (email, [registerForm, otherForm]) => {
          const password = strongPassword();
          const registered = await call(service.url, 'POST', '/v1/register', { body: { email: emailInForm(email, registerForm!), password } });
          if (registered.status === 409) return; // the generator repeated an address
          assert.equal(registered.status, 201, registered.text);
          const again = await call(service.url, 'POST', '/v1/register', { body: { email: emailInForm(email, otherForm!), password: strongPassword() } });
          assert.equal(again.status, 409, `${JSON.stringify(emailInForm(email, otherForm!))}: ${again.text}`);
          const login = await call(service.url, 'POST', '/v1/login', { body: { email: emailInForm(email, otherForm!), password } });
          assert.equal(login.status, 200, login.text);
          assert.equal(login.body.user.id, registered.body.user.id);
        }),
        { numRuns: 6 },
      );
    });

    test('a password with a lone surrogate is refused, so it cannot match another one', async () => {
      const email = uniqueEmail();
      const reply = await call(service.url, 'POST', '/v1/register', {
        rawBody: JSON.stringify({ email, password: 'orbit lantern meadow \ud800 x' }),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(reply.status, 400, reply.text);
      assert.equal(reply.body.error.code, 'invalid_json');
    });

    test('wrong methods on every route', async () => {
      const { sessionToken } = await createAccount(service.url);
      const paths = [...new Set([...ROUTES.map((route) => route.path), '/healthz', '/readyz', '/.well-known/jwks.json', '/v1/openapi.json', '/', '/v1', '/v1/%ff', '/v1/session/..%2f..%2f'])];
      for (const path of paths) {
        for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
          const reply = await call(service.url, method, path, { headers: { authorization: `Bearer ${sessionToken}` } });
          assert.ok(reply.status < 500, `${method} ${path}: ${reply.status} ${reply.text}`);
          if (method !== 'HEAD' && reply.status >= 400) assert.ok(KNOWN_CODES.has(reply.body?.error?.code), `${method} ${path}: ${reply.text}`);
        }
      }
    });

    test('wrong and odd content types', async () => {
      const body = JSON.stringify({ email: fuzzer.email, password: 'a wrong password entirely' });
      const contentTypes = fc.oneof(
        fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;;', 'application/jsonx', 'application/json-patch+json', 'application/*', '*/*', ''),
        fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz/;=-+. *'), maxLength: 40 }),
      );
      await fc.assert(
        fc.asyncProperty(contentTypes, async (contentType) => {
          const reply = await call(service.url, 'POST', '/v1/login', { rawBody: body, headers: { 'content-type': contentType } });
          assertWellFormed(reply, `content type ${JSON.stringify(contentType)}`);
          assert.ok([400, 401, 415].includes(reply.status), `${contentType}: ${reply.status}`);
        }),
        { numRuns: 100 },
      );
    });

    test('bodies past the limit', async () => {
      for (const size of [16_385, 100_000, 1_000_000]) {
        const body = JSON.stringify({ email: uniqueEmail(), password: 'x'.repeat(size) });
        const status = await call(service.url, 'POST', '/v1/register', { rawBody: body, headers: { 'content-type': 'application/json' } })
          .then((reply) => (assertWellFormed(reply, `${size} bytes`), reply.status), () => 'connection closed');
        assert.ok(status === 413 || status === 'connection closed', `${size} bytes: ${status}`);
      }
    });

    test('headers of absurd size and content', async () => {
      const statuses: Record<string, number | string> = {};
      const attempt = async (what: string, headers: Record<string, string>) => {
        statuses[what] = await call(service.url, 'GET', '/v1/session', { headers }).then((reply) => reply.status, () => 'connection closed');
      };
      await attempt('a 20 kB header', { 'x-filler': 'a'.repeat(20_000) });
      await attempt('a 15 kB bearer token', { authorization: `Bearer ${'A'.repeat(15_000)}` });
      await attempt('a 15 kB cookie', { cookie: Array.from({ length: 1_000 }, (_, i) => `c${i}=${'v'.repeat(8)}`).join('; ') });
      await attempt('500 headers', Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`x-h${i}`, 'v'])));
      await attempt('an authorization header of odd characters', { authorization: 'Bearer \u00ff\u00fe' });
      for (const [what, status] of Object.entries(statuses)) {
        assert.ok(status === 401 || status === 431 || status === 'connection closed', `${what}: ${status}`);
      }
    });

    test('a login from a client whose User-Agent holds raw high bytes is stored and read back', async () => {
      const body = JSON.stringify({ email: fuzzer.email, password: fuzzer.password });
      const head = [
        'POST /v1/login HTTP/1.1',
        'Host: x',
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'User-Agent: Mozilla/5.0 \xff\xfe\xc3\x28 \x80',
        'Connection: close',
      ].join('\r\n');
      const answer = await rawRequest(service.url, Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), Buffer.from(body)]));
      assert.match(answer, /^HTTP\/1\.1 200 /);
      const token = /"sessionToken":"([^"]+)"/.exec(answer)?.[1];
      assert.equal((await call(service.url, 'GET', '/v1/session', { token })).status, 200);
    });

    test('after the fuzzing, the usual sign-up, login and session still work', async () => {
      const account = await createAccount(service.url, uniqueEmail(), strongPassword());
      assert.equal((await call(service.url, 'GET', '/v1/session', { token: account.sessionToken })).status, 200);
      assert.equal((await call(service.url, 'GET', '/v1/session', { token: fuzzer.sessionToken })).status, 200, 'the fuzzing account is intact');
      assert.deepEqual(faultLines(service.logs), [], 'no fault was logged');
    });
  });
}

function rawRequest(base: string, request: Buffer): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(request);
  });
}
