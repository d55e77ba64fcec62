import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { createAuthenticator, createVerifier, type Authenticator, type Verifier } from 'astral-auth/client';
import { requireAuth } from 'astral-auth/express';
import { astralAuth } from 'astral-auth/fastify';
import { authMiddleware, withAuth } from 'astral-auth/next';
import { TestClock } from '../helpers/clock.js';
import { startService, type RunningService } from '../helpers/service.js';
import { clientFor, FEED_ENV, FEED_TOKEN, JWT, ObservedFetch, signUp, waitFor } from './fixtures.js';

/**
 * Each middleware in front of a route that echoes `auth`, against a real
 * service: every credential kind, every refusal, and revocation.
 */
interface Answer {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

type Ask = (headers: Record<string, string>) => Promise<Answer>;

describe('middleware', () => {
  const clock = new TestClock();
  let service: RunningService;
  let observed: ObservedFetch;
  let verifier: Verifier;
  let authenticator: Authenticator;
  const asks = new Map<string, Ask>();
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    service = await startService('sqlite', { env: FEED_ENV, clock });
    observed = new ObservedFetch();
    verifier = createVerifier({ baseUrl: service.url, ...JWT, revocations: { feedToken: FEED_TOKEN }, fetch: observed.fetch, now: () => clock.now() });
    authenticator = createAuthenticator({ baseUrl: service.url, verifier, fetch: observed.fetch, sessionCacheMs: 2_000 });
    assert.equal(await verifier.ready(), true);
    // The instance is younger than a token lifetime, so tokens from before the stream opened get one
    // check each; the tests below use tokens issued well after it.
    clock.advance(10_000);
    asks.set('fastify', await fastifyApp(authenticator));
    asks.set('express', await expressApp(authenticator, stops));
    asks.set('next route handler', nextHandler(authenticator));
    asks.set('next middleware', nextMiddleware(authenticator));
  });
  after(async () => {
    verifier.close();
    authenticator.close();
    await Promise.all(stops.map((stop) => stop()));
    await service.stop();
  });

  for (const name of ['fastify', 'express', 'next route handler', 'next middleware']) {
    describe(name, () => {
      const ask: Ask = (headers) => asks.get(name)!(headers);

      test('no credential, or a malformed Authorization header, gets 401 invalid_session', async () => {
        for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer' }, { cookie: 'other=1' }] as Array<Record<string, string>>) {
          const answer = await ask(headers);
          assert.equal(answer.status, 401, JSON.stringify(headers));
          assert.equal(answer.body.error.code, 'invalid_session');
          assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="astral-auth"');
          assert.equal(answer.headers.get('cache-control'), 'no-store');
        }
      });

      test('an access token is verified locally: no call to the service', async () => {
        const { login } = await signUp(clientFor(service.url));
        const before = observed.sessionChecks;
        for (let n = 0; n < 3; n++) {
          const answer = await ask({ authorization: `Bearer ${login.accessToken}` });
          assert.equal(answer.status, 200);
          assert.deepEqual(answer.body, { via: 'access_token', user: { id: login.user.id, role: 'user' }, session: { id: login.session.id }, profile: null });
        }
        assert.equal(observed.sessionChecks, before);
      });

      test('a session token, as cookie or bearer, is checked with the service and the answer reused briefly', async () => {
        const { login, email } = await signUp(clientFor(service.url));
        const before = observed.sessionChecks;
        for (const headers of [{ cookie: `theme=dark; astral_session=${login.sessionToken}` }, { authorization: `Bearer ${login.sessionToken}` }] as Array<Record<string, string>>) {
          const answer = await ask(headers);
          assert.equal(answer.status, 200);
          assert.equal(answer.body.via, 'session_token');
          assert.equal(answer.body.profile.email, email);
        }
        assert.equal(observed.sessionChecks, before + 1, 'the same token within sessionCacheMs: one check');
        const last = login.sessionToken.at(-1) === 'A' ? 'B' : 'A';
        const forged = await ask({ authorization: `Bearer ${login.sessionToken.slice(0, -1)}${last}` });
        assert.equal(forged.status, 401, 'the cache key is the whole token');
      });

      test('after logout, both the access token and the session token are refused at once', async () => {
        const client = clientFor(service.url);
        const { login } = await signUp(client);
        assert.equal((await ask({ authorization: `Bearer ${login.sessionToken}` })).status, 200);
        assert.equal((await ask({ authorization: `Bearer ${login.accessToken}` })).status, 200);

        assert.ok((await client.logout(login.sessionToken)).ok);
        await waitFor(async () => (await ask({ authorization: `Bearer ${login.accessToken}` })).status === 401, 1_000);
        const bySession = await ask({ authorization: `Bearer ${login.sessionToken}` });
        assert.equal(bySession.status, 401, 'the cached answer was dropped by the revocation');
        assert.equal((await ask({ authorization: `Bearer ${login.accessToken}` })).body.error.code, 'token_revoked');
      });
    });
  }

  test('the session cache cannot be set beyond two seconds', () => {
    assert.throws(() => createAuthenticator({ baseUrl: service.url, sessionCacheMs: 5_000 }), TypeError);
  });

  test('next middleware sends page navigations to a fixed login path and refuses other paths', async () => {
    const middleware = authMiddleware(authenticator, { redirectTo: '/login' });
    const page = await middleware(new Request('http://app.test/dashboard?next=https://evil.test', { headers: { accept: 'text/html' } }));
    assert.equal(page?.status, 307);
    assert.equal(page?.headers.get('location'), 'http://app.test/login');
    const api = await middleware(new Request('http://app.test/api/me', { headers: { accept: 'application/json' } }));
    assert.equal(api?.status, 401);
    assert.throws(() => authMiddleware(authenticator, { redirectTo: 'https://evil.test/login' }), TypeError);
    assert.throws(() => authMiddleware(authenticator, { redirectTo: '//evil.test/login' }), TypeError);
  });
});

async function fastifyApp(authenticator: Authenticator): Promise<Ask> {
  const app = Fastify();
  await app.register(astralAuth, { authenticator });
  app.get('/me', { onRequest: app.requireAuth }, async (request) => request.auth);
  return async (headers) => {
    const reply = await app.inject({ method: 'GET', url: '/me', headers });
    return { status: reply.statusCode, body: reply.json(), headers: new Headers(reply.headers as Record<string, string>) };
  };
}

async function expressApp(authenticator: Authenticator, stops: Array<() => Promise<void>>): Promise<Ask> {
  const app = express();
  app.get('/me', requireAuth(authenticator), (req, res) => {
    res.json(req.auth);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  stops.push(() => new Promise((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/me`;
  return async (headers) => {
    const reply = await fetch(url, { headers });
    return { status: reply.status, body: await reply.json(), headers: reply.headers };
  };
}

function nextHandler(authenticator: Authenticator): Ask {
  const GET = withAuth(authenticator, (_request, auth) => Response.json(auth));
  return async (headers) => toAnswer(await GET(new Request('http://app.test/api/me', { headers }), {}));
}

function nextMiddleware(authenticator: Authenticator): Ask {
  const middleware = authMiddleware(authenticator);
  const me = withAuth(authenticator, (_request, auth) => Response.json(auth));
  return async (headers) => {
    const request = new Request('http://app.test/api/me', { headers });
    const stopped = await middleware(request);
    return toAnswer(stopped ?? (await me(request, {})));
  };
}

async function toAnswer(response: Response): Promise<Answer> {
  return { status: response.status, body: await response.json(), headers: response.headers };
}
