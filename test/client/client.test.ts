import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createClient, type AstralClient, type ServiceErrorCode } from '../../src/client/index.js';
import type { ErrorCode as ServerErrorCode } from '../../src/http/error-codes.js';
import { strongPassword, uniqueEmail } from '../helpers/http.js';
import { ENGINES, startService, type RunningService } from '../helpers/service.js';
import { logIn, signUp } from './fixtures.js';

// Every code the server can answer with is one the client names: a compile-time check.
const everyServerCodeIsNamed = (code: ServerErrorCode): ServiceErrorCode => code;
void everyServerCodeIsNamed;

for (const engine of ENGINES) {
  describe(`client against the service on ${engine}`, () => {
    let service: RunningService;
    let client: AstralClient;

    before(async () => {
      service = await startService(engine);
      client = createClient({ baseUrl: service.url });
    });
    after(() => service.stop());

    test('register, login, session, token, logout', async () => {
      const { login } = await signUp(client);
      assert.equal(login.status, 'authenticated');
      assert.match(login.sessionToken, /^ast_/);

      const session = await client.session(login.sessionToken);
      assert.ok(session.ok);
      assert.equal(session.data.user.id, login.user.id);
      assert.equal(session.data.session.id, login.session.id);
      assert.ok((await client.session(login.accessToken)).ok, 'an access token reads the session too');

      const minted = await client.token(login.sessionToken);
      assert.ok(minted.ok);
      assert.match(minted.data.accessToken, /^ey/);

      assert.deepEqual(await client.logout(login.sessionToken), { ok: true, data: undefined });
      const after = await client.session(login.sessionToken);
      assert.deepEqual(after.ok ? null : after.error, { code: 'invalid_session', message: 'the session is missing, expired or revoked', status: 401 });
    });

    test('errors are values carrying the service code and status', async () => {
      const { email } = await signUp(client);
      const taken = await client.register({ email, password: strongPassword() });
      assert.equal(!taken.ok && taken.error.code, 'email_taken');
      assert.equal(!taken.ok && taken.error.status, 409);

      const weak = await client.register({ email: uniqueEmail(), password: 'password' });
      assert.equal(!weak.ok && weak.error.code, 'weak_password');

      const wrong = await client.login({ email, password: strongPassword() });
      assert.equal(!wrong.ok && wrong.error.code, 'invalid_credentials');
      assert.equal(!wrong.ok && wrong.error.status, 401);
    });

    test('password change keeps this session and ends the others; logout-all ends all', async () => {
      const { email, password, login } = await signUp(client);
      const other = await logIn(client, email, password);
      const newPassword = strongPassword();

      const refused = await client.changePassword({ currentPassword: strongPassword(), newPassword }, login.sessionToken);
      assert.equal(!refused.ok && refused.error.code, 'invalid_credentials');
      assert.ok((await client.changePassword({ currentPassword: password, newPassword }, login.sessionToken)).ok);
      assert.ok((await client.session(login.sessionToken)).ok);
      assert.equal((await client.session(other.sessionToken)).ok, false);

      const third = await logIn(client, email, newPassword);
      assert.ok((await client.logoutAll(third.sessionToken)).ok);
      for (const token of [login.sessionToken, third.sessionToken]) assert.equal((await client.session(token)).ok, false);
    });
  });
}

describe('client against a stand-in service', () => {
  let stub: FastifyInstance;
  let base: string;
  const seen: Array<{ method: string; url: string; authorization?: string; body?: unknown }> = [];

  before(async () => {
    stub = Fastify();
    stub.all('/*', async (request, reply) => {
      seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization, body: request.body });
      return answer(request, reply);
    });
    base = await stub.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => stub.close());

  test('login with a second factor answers mfa_required with the challenge, and completeMfa finishes it', async () => {
    const client = createClient({ baseUrl: base });
    const first = await client.login({ email: 'mfa@example.test', password: 'pw' });
    assert.deepEqual(first, { ok: true, data: { status: 'mfa_required', challenge: 'chl_123' } });

    const done = await client.completeMfa({ challenge: 'chl_123', code: '123456' });
    assert.ok(done.ok && done.data.status === 'authenticated');
    assert.equal(done.data.sessionToken, 'ast_after_mfa');
    assert.deepEqual(seen.at(-1), { method: 'POST', url: '/v1/login/mfa', authorization: undefined, body: { challenge: 'chl_123', code: '123456' } });
    const recovery = await client.completeMfa({ challenge: 'chl_123', recoveryCode: 'abcd-efgh' });
    assert.ok(recovery.ok);
  });

  test('admin calls use the documented methods, paths and bodies with the admin token', async () => {
    const admin = createClient({ baseUrl: base }).admin('ast_admin');
    seen.length = 0;
    assert.deepEqual(await admin.findUsers('a+b@example.test'), { ok: true, data: [{ id: 'u/1' }] });
    await admin.unlock('u/1');
    await admin.disable('u/1');
    await admin.enable('u/1');
    await admin.setRole('u/1', 'admin');
    assert.deepEqual(await admin.sessions('u/1'), { ok: true, data: [{ id: 's1' }] });
    await admin.revokeSession('s 1');
    const page = await admin.audit({ userId: 'u/1', limit: 50, cursor: 'c2' });
    assert.deepEqual(page, { ok: true, data: { events: [], nextCursor: null } });
    assert.deepEqual(seen.map((call) => `${call.method} ${call.url}`), [
      'GET /v1/admin/users?email=a%2Bb%40example.test',
      'POST /v1/admin/users/u%2F1/unlock',
      'POST /v1/admin/users/u%2F1/disable',
      'POST /v1/admin/users/u%2F1/enable',
      'PUT /v1/admin/users/u%2F1/role',
      'GET /v1/admin/users/u%2F1/sessions',
      'DELETE /v1/admin/sessions/s%201',
      'GET /v1/admin/audit?userId=u%2F1&limit=50&cursor=c2',
    ]);
    assert.ok(seen.every((call) => call.authorization === 'Bearer ast_admin'));
    assert.deepEqual(seen[4]?.body, { role: 'admin' });
  });

  test('answers that are not the documented JSON, and an unreachable service, are typed failures', async () => {
    const client = createClient({ baseUrl: base });
    const garbled = await client.session('ast_garbled');
    assert.deepEqual(garbled.ok ? null : garbled.error.code, 'invalid_response');
    const busy = await client.session('ast_busy');
    assert.deepEqual(busy.ok ? null : busy.error, { code: 'overloaded', message: 'busy', status: 503, retryAfter: 7 });
    const offline = await createClient({ baseUrl: 'http://127.0.0.1:9' }).session('ast_x');
    assert.equal(!offline.ok && offline.error.code, 'network_error');
  });

  test('a base URL with a path prefix keeps it', async () => {
    seen.length = 0;
    await createClient({ baseUrl: `${base}/auth/` }).session('ast_prefixed');
    assert.equal(seen[0]?.url, '/auth/v1/session');
  });

  test('a base URL that is not absolute is a programming mistake', () => {
    assert.throws(() => createClient({ baseUrl: 'auth.example.com' }), TypeError);
  });
});

function answer(request: FastifyRequest, reply: FastifyReply) {
  const { method, url } = request;
  if (url === '/v1/login') return { status: 'mfa_required', challenge: 'chl_123' };
  if (url === '/v1/login/mfa') return { user: { id: 'u1' }, session: { id: 's1', expiresAt: '' }, sessionToken: 'ast_after_mfa', accessToken: 'ey', accessTokenExpiresAt: '' };
  if (url.startsWith('/v1/admin/users?')) return { users: [{ id: 'u/1' }] };
  if (url.endsWith('/sessions')) return { sessions: [{ id: 's1' }] };
  if (url.startsWith('/v1/admin/audit')) return { events: [], nextCursor: null };
  if (url === '/v1/session' && request.headers.authorization === 'Bearer ast_garbled') {
    return reply.code(200).header('content-type', 'text/html').send('<html>');
  }
  if (url === '/v1/session') {
    return reply.code(503).header('retry-after', '7').send({ error: { code: 'overloaded', message: 'busy' } });
  }
  if (method === 'GET' && url.startsWith('/auth/')) return {};
  return reply.code(204).send();
}
