import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { createAuthenticator, createVerifier, type Authenticator, type Verifier } from 'astral-auth/client';
import { astralAuth } from 'astral-auth/fastify';

/**
 * A small Fastify app that signs people in with astral-auth: sign-up and
 * login go to the service, the session token lives in this app's HttpOnly
 * cookie, and `/profile` is protected by the middleware (cookie → one
 * session check with the service, Bearer access token → verified here).
 */
export interface ExampleOptions {
  readonly astralUrl: string;
  readonly feedToken: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Plain-HTTP development only: the cookie loses Secure and the __Host- prefix. */
  readonly cookieSecure?: boolean;
  readonly sessionCacheMs?: number;
}

export interface Example {
  readonly app: FastifyInstance;
  readonly verifier: Verifier;
  close(): Promise<void>;
}

export async function buildFastifyExample(options: ExampleOptions): Promise<Example> {
  const verifier = createVerifier({
    baseUrl: options.astralUrl,
    issuer: options.issuer ?? 'astral-auth',
    audience: options.audience ?? 'astral-auth',
    revocations: { feedToken: options.feedToken },
  });
  const authenticator = createAuthenticator({ baseUrl: options.astralUrl, verifier, sessionCacheMs: options.sessionCacheMs ?? 1_000 });
  const cookie = sessionCookie(options.cookieSecure ?? true);

  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(astralAuth, { authenticator });
  registerRoutes(app, authenticator, cookie);

  return {
    app,
    verifier,
    async close() {
      await app.close();
      authenticator.close();
      verifier.close();
    },
  };
}

function registerRoutes(app: FastifyInstance, authenticator: Authenticator, cookie: SessionCookie): void {
  const astral = authenticator.client;

  app.get('/', async () => ({ app: 'fastify example', signIn: 'POST /login' }));

  app.post<{ Body: { email: string; password: string } }>('/signup', async (request, reply) => {
    const registered = await astral.register(request.body);
    return registered.ok ? reply.code(201).send({ id: registered.data.id }) : refuse(reply, registered.error);
  });

  app.post<{ Body: { email: string; password: string } }>('/login', async (request, reply) => {
    const login = await astral.login(request.body);
    if (!login.ok) return refuse(reply, login.error);
    if (login.data.status === 'mfa_required') return reply.code(401).send({ error: { code: 'mfa_required' } });

    reply.setCookie(cookie.name, login.data.sessionToken, cookie.options);
    return { accessToken: login.data.accessToken, user: { id: login.data.user.id } };
  });

  app.get('/profile', { onRequest: app.requireAuth }, async (request) => ({ user: request.auth!.user, via: request.auth!.via }));

  app.post('/logout', { onRequest: app.requireAuth }, async (request, reply) => {
    const token = request.cookies[cookie.name];
    if (token !== undefined) await astral.logout(token);
    reply.clearCookie(cookie.name, cookie.options);
    return reply.code(204).send();
  });
}

interface SessionCookie {
  readonly name: string;
  readonly options: { httpOnly: true; secure: boolean; sameSite: 'lax'; path: '/' };
}

function sessionCookie(secure: boolean): SessionCookie {
  return { name: secure ? '__Host-astral_session' : 'astral_session', options: { httpOnly: true, secure, sameSite: 'lax', path: '/' } };
}

function refuse(reply: FastifyReply, error: { code: string; message: string; status: number }) {
  return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
}
