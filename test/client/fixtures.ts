import assert from 'node:assert/strict';
import { createClient, type AstralClient, type LoginSession } from '../../src/client/index.js';
import { strongPassword, uniqueEmail } from '../helpers/http.js';

/** The feed token every test service is started with. */
export const FEED_TOKEN = 'feed-token-for-tests-only-0123456789abcdef';
export const FEED_ENV = { ASTRAL_REVOCATION_FEED_TOKEN: FEED_TOKEN, ASTRAL_REVOCATION_HEARTBEAT: '1s' };
export const JWT = { issuer: 'astral-auth', audience: 'astral-auth' };

export interface Account {
  readonly email: string;
  readonly password: string;
  readonly login: LoginSession;
}

/** Registers a fresh account through the client and logs it in. */
export async function signUp(client: AstralClient): Promise<Account> {
  const email = uniqueEmail();
  const password = strongPassword();
  const registered = await client.register({ email, password });
  assert.ok(registered.ok, JSON.stringify(registered));
  return { email, password, login: await logIn(client, email, password) };
}

export async function logIn(client: AstralClient, email: string, password: string): Promise<LoginSession> {
  const login = await client.login({ email, password });
  assert.ok(login.ok && login.data.status === 'authenticated', JSON.stringify(login));
  return login.data;
}

export function clientFor(url: string): AstralClient {
  return createClient({ baseUrl: url });
}

/**
 * A fetch that counts the calls a verifier makes and lets a test cut the
 * revocation stream and hold its reconnection.
 */
export class ObservedFetch {
  sessionChecks = 0;
  jwksFetches = 0;
  streamConnections = 0;
  private readonly open = new Set<() => void>();
  private gate: Promise<void> | undefined;
  private release: (() => void) | undefined;

  readonly fetch: typeof fetch = async (input, init) => {
    const path = new URL(String(input instanceof Request ? input.url : input)).pathname;
    if (path === '/v1/session') this.sessionChecks++;
    if (path === '/.well-known/jwks.json') this.jwksFetches++;
    if (path !== '/v1/revocations') return fetch(input, init);

    await this.gate;
    this.streamConnections++;
    return this.cuttable(await fetch(input, init));
  };

  /** The body passes through a stream the test can break, as a dropped connection would. */
  private cuttable(response: Response): Response {
    let breakBody: (() => void) | undefined;
    const relay = new TransformStream<Uint8Array, Uint8Array>({
      start: (controller) => {
        breakBody = () => controller.error(new Error('connection cut by the test'));
      },
    });
    response.body?.pipeTo(relay.writable).catch(() => undefined);
    this.open.add(() => {
      breakBody?.();
      response.body?.cancel().catch(() => undefined);
    });
    return new Response(relay.readable, { status: response.status, headers: response.headers });
  }

  /** Cuts every open stream; with `hold`, reconnections wait for `resume`. */
  cut(hold: boolean): void {
    if (hold) this.gate = new Promise((resolve) => (this.release = resolve));
    for (const cut of this.open) cut();
    this.open.clear();
  }

  resume(): void {
    this.release?.();
    this.gate = undefined;
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
