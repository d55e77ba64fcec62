import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { startService, type RunningService } from '../helpers/service.js';

/**
 * The production defaults, behind a TLS-terminating proxy on loopback: the
 * session cookie is `__Host-` and Secure, and HSTS is sent for requests the
 * trusted proxy says came over HTTPS — only for those.
 */
let service: RunningService;

before(async () => {
  service = await startService('sqlite', { env: { ASTRAL_COOKIE_SECURE: 'true', ASTRAL_TRUSTED_PROXIES: '127.0.0.1' } });
});
after(() => service.stop());

test('the session cookie is __Host- prefixed, Secure, HttpOnly, SameSite=Lax, without Domain', async () => {
  const email = uniqueEmail();
  const password = strongPassword();
  await call(service.url, 'POST', '/v1/register', { body: { email, password } });
  const login = await call(service.url, 'POST', '/v1/login', { body: { email, password } });
  const cookie = login.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^__Host-astral_session=ast_[A-Za-z0-9_-]{43};/);
  for (const attribute of [/; Secure/, /; HttpOnly/, /; SameSite=Lax/, /; Path=\//]) assert.match(cookie, attribute);
  assert.doesNotMatch(cookie, /Domain=/i);

  const byCookie = await call(service.url, 'GET', '/v1/session', { cookie: cookie.split(';')[0]! });
  assert.equal(byCookie.status, 200);
});

test('HSTS is sent when the trusted proxy reports HTTPS, and not otherwise', async () => {
  const overTls = await call(service.url, 'GET', '/healthz', { headers: { 'x-forwarded-proto': 'https' } });
  assert.equal(overTls.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
  const plain = await call(service.url, 'GET', '/healthz');
  assert.equal(plain.headers.get('strict-transport-security'), null);
});

test('the same-origin check follows the proxy: https origin of the forwarded host is accepted', async () => {
  const email = uniqueEmail();
  const password = strongPassword();
  await call(service.url, 'POST', '/v1/register', { body: { email, password } });
  const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'auth.example.test', origin: 'https://auth.example.test' };
  assert.equal((await call(service.url, 'POST', '/v1/login', { body: { email, password }, headers })).status, 200);
  const foreign = { ...headers, origin: 'https://evil.example.test' };
  assert.equal((await call(service.url, 'POST', '/v1/login', { body: { email, password }, headers: foreign })).status, 403);
});
