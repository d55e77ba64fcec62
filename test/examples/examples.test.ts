import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { buildExpressExample } from '../../examples/express/app.js';
import { buildFastifyExample } from '../../examples/fastify/app.js';
import { FEED_ENV, FEED_TOKEN, waitFor } from '../client/fixtures.js';
import { strongPassword, uniqueEmail } from '../helpers/http.js';
import { startService, type RunningService } from '../helpers/service.js';

/**
 * The example apps, each in front of a real astral-auth: what a person does
 * in them, from sign-up to being refused after logout.
 */
interface StartedExample {
  readonly url: string;
  stop(): Promise<void>;
}

const EXAMPLES: Record<string, (astralUrl: string) => Promise<StartedExample>> = {
  fastify: async (astralUrl) => {
    const example = await buildFastifyExample({ astralUrl, feedToken: FEED_TOKEN, cookieSecure: false });
    await example.verifier.ready();
    const url = await example.app.listen({ host: '127.0.0.1', port: 0 });
    return { url, stop: () => example.close() };
  },
  express: async (astralUrl) => {
    const example = buildExpressExample({ astralUrl, feedToken: FEED_TOKEN, cookieSecure: false });
    await example.verifier.ready();
    const server = await example.listen(0);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      url,
      stop: async () => {
        example.close();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  },
};

for (const [name, start] of Object.entries(EXAMPLES)) {
  describe(`${name} example`, () => {
    let service: RunningService;
    let example: StartedExample;

    before(async () => {
      service = await startService('sqlite', { env: FEED_ENV });
      example = await start(service.url);
    });
    after(async () => {
      await example.stop();
      await service.stop();
    });

    test('register, log in, reach the protected route, log out, be refused', async () => {
      const email = uniqueEmail(name);
      const password = strongPassword();
      const call = (method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
        fetch(new URL(path, example.url), {
          method,
          headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
          body: init.body ? JSON.stringify(init.body) : null,
        });

      assert.equal((await call('POST', '/signup', { body: { email, password } })).status, 201);
      assert.equal((await call('GET', '/profile')).status, 401, 'nobody is signed in yet');

      const login = await call('POST', '/login', { body: { email, password } });
      assert.equal(login.status, 200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      assert.match(cookie, /^astral_session=ast_/);
      assert.match(login.headers.get('set-cookie')!, /HttpOnly/i);
      const { accessToken } = (await login.json()) as { accessToken: string };

      const byCookie = await call('GET', '/profile', { headers: { cookie } });
      assert.equal(byCookie.status, 200);
      assert.equal(((await byCookie.json()) as { via: string }).via, 'session_token');
      const byToken = await call('GET', '/profile', { headers: { authorization: `Bearer ${accessToken}` } });
      assert.equal(((await byToken.json()) as { via: string }).via, 'access_token');

      assert.equal((await call('POST', '/logout', { headers: { cookie } })).status, 204);
      assert.equal((await call('GET', '/profile', { headers: { cookie } })).status, 401, 'the session cookie is refused');
      await waitFor(async () => (await call('GET', '/profile', { headers: { authorization: `Bearer ${accessToken}` } })).status === 401, 1_000);
    });

    test('a wrong password is refused with the service code', async () => {
      const reply = await fetch(new URL('/login', example.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: uniqueEmail(name), password: strongPassword() }),
      });
      assert.equal(reply.status, 401);
      assert.equal(((await reply.json()) as { error: { code: string } }).error.code, 'invalid_credentials');
    });
  });
}
