import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { astralCallbacks, astralCredentials, astralEvents } from 'astral-auth/authjs';
import { createVerifier, type Verifier } from 'astral-auth/client';
import { TestClock } from '../helpers/clock.js';
import { startService, type RunningService } from '../helpers/service.js';
import { clientFor, FEED_ENV, FEED_TOKEN, JWT, signUp } from './fixtures.js';

/**
 * The Auth.js bridge, first on its own (authorize against a running
 * service), then inside Auth.js itself (@auth/core, what NextAuth v5 runs):
 * sign in through the credentials callback, read the session, and watch an
 * astral-auth logout end the Auth.js session.
 */
describe('Auth.js bridge', () => {
  const clock = new TestClock();
  let service: RunningService;
  let verifier: Verifier;

  before(async () => {
    service = await startService('sqlite', { env: FEED_ENV, clock });
    verifier = createVerifier({ baseUrl: service.url, ...JWT, revocations: { feedToken: FEED_TOKEN }, now: () => clock.now() });
    assert.equal(await verifier.ready(), true);
    clock.advance(10_000);
  });
  after(async () => {
    verifier.close();
    await service.stop();
  });

  test('is an Auth.js Credentials provider (its types are checked in examples/nextjs)', async () => {
    const { Credentials } = await loadAuthJs();
    const provider = Credentials(astralCredentials({ baseUrl: service.url }));
    assert.equal(provider.type, 'credentials');
    assert.equal(provider.options.id, 'astral', 'Auth.js merges these options over its defaults');
  });

  test('authorize() logs in through astral-auth and returns the user with the astral session', async () => {
    const { email, password } = await signUp(clientFor(service.url));
    const provider = astralCredentials({ baseUrl: service.url });
    const user = await provider.authorize({ email, password }, new Request('http://app.test/'));
    assert.ok(user);
    assert.equal(user.email, email);
    assert.equal(user.role, 'user');
    assert.match(user.astral.sessionToken, /^ast_/);
    assert.ok((await verifier.verify(user.astral.accessToken)).ok);

    assert.equal(await provider.authorize({ email, password: 'not the password at all' }, new Request('http://app.test/')), null);
    assert.equal(await provider.authorize({ email: [email], password: {} }, new Request('http://app.test/')), null);
  });

  test('inside Auth.js: sign in, read the session, and lose it when astral-auth ends the session', async () => {
    const { email, password } = await signUp(clientFor(service.url));
    const astral = { baseUrl: service.url };
    const { Auth, Credentials } = await loadAuthJs();
    const config = {
      basePath: '/auth',
      secret: 'an-auth-js-secret-for-tests-only-0123456789',
      trustHost: true,
      providers: [Credentials(astralCredentials(astral))],
      callbacks: astralCallbacks({ ...astral, verifier }),
      events: astralEvents(astral),
      logger: { error: () => undefined, warn: () => undefined, debug: () => undefined },
    };
    const browser = new CookieJar();
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await Auth(new Request(`http://app.test/auth${path}`, { ...init, headers: { ...init.headers, cookie: browser.header() } }), config);
      browser.take(response);
      return response;
    };

    const { csrfToken } = (await (await call('/csrf')).json()) as { csrfToken: string };
    const signIn = await call('/callback/astral', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, email, password, callbackUrl: 'http://app.test/' }),
    });
    assert.equal(signIn.status, 302);
    assert.equal(signIn.headers.get('location'), 'http://app.test/');

    const session = (await (await call('/session')).json()) as { user: { email: string; id: string; role: string } };
    assert.equal(session.user.email, email);
    assert.equal(session.user.role, 'user');
    assert.equal(typeof session.user.id, 'string');

    const sessions = await clientFor(service.url).login({ email, password });
    assert.ok(sessions.ok && sessions.data.status === 'authenticated');
    assert.ok((await clientFor(service.url).logoutAll(sessions.data.sessionToken)).ok);
    clock.advance(3_000);
    const after = await (await call('/session')).json();
    assert.equal(after, null, 'the Auth.js session ended with the astral session');
  });
});

/**
 * Auth.js at run time only: its types bring in the DOM library (through
 * preact's JSX types), which would change the types of every other test.
 */
async function loadAuthJs() {
  const [core, credentials] = ['@auth/core', '@auth/core/providers/credentials'];
  const { Auth } = (await import(core)) as { Auth: (request: Request, config: object) => Promise<Response> };
  const Credentials = ((await import(credentials)) as { default: (config: object) => { type: string; options: { id: string } } }).default;
  return { Auth, Credentials };
}

/** Just enough of a browser's cookie handling for Auth.js's own cookies. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}
