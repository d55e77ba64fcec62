import type { Server } from 'node:http';
import express, { type Response } from 'express';
import { createAuthenticator, createVerifier, type Verifier } from 'astral-auth/client';
import { requireAuth } from 'astral-auth/express';

/**
 * The same small app on Express: sign-up and login through astral-auth, the
 * session token in this app's HttpOnly cookie, `/profile` behind the
 * middleware.
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
  readonly app: express.Express;
  readonly verifier: Verifier;
  listen(port: number): Promise<Server>;
  close(): void;
}

export function buildExpressExample(options: ExampleOptions): Example {
  const verifier = createVerifier({
    baseUrl: options.astralUrl,
    issuer: options.issuer ?? 'astral-auth',
    audience: options.audience ?? 'astral-auth',
    revocations: { feedToken: options.feedToken },
  });
  const authenticator = createAuthenticator({ baseUrl: options.astralUrl, verifier, sessionCacheMs: options.sessionCacheMs ?? 1_000 });
  const astral = authenticator.client;
  const secure = options.cookieSecure ?? true;
  const cookieName = secure ? '__Host-astral_session' : 'astral_session';
  const cookieOptions = { httpOnly: true, secure, sameSite: 'lax', path: '/' } as const;

  const app = express();
  app.use(express.json({ limit: '16kb' }));

  app.post('/signup', async (req, res) => {
    const registered = await astral.register(req.body);
    if (registered.ok) res.status(201).json({ id: registered.data.id });
    else refuse(res, registered.error);
  });

  app.post('/login', async (req, res) => {
    const login = await astral.login(req.body);
    if (!login.ok) return refuse(res, login.error);
    if (login.data.status === 'mfa_required') return void res.status(401).json({ error: { code: 'mfa_required' } });

    res.cookie(cookieName, login.data.sessionToken, cookieOptions);
    res.json({ accessToken: login.data.accessToken, user: { id: login.data.user.id } });
  });

  app.get('/profile', requireAuth(authenticator), (req, res) => {
    res.json({ user: req.auth!.user, via: req.auth!.via });
  });

  app.post('/logout', requireAuth(authenticator), async (req, res) => {
    const token = readCookie(req.headers.cookie, cookieName);
    if (token !== undefined) await astral.logout(token);
    res.clearCookie(cookieName, cookieOptions).status(204).end();
  });

  return {
    app,
    verifier,
    listen: (port) => new Promise((resolve) => {
      const server = app.listen(port, '127.0.0.1', () => resolve(server));
    }),
    close() {
      authenticator.close();
      verifier.close();
    },
  };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  const pair = (header ?? '').split(';').map((part) => part.trim()).find((part) => part.startsWith(`${name}=`));
  return pair === undefined ? undefined : decodeURIComponent(pair.slice(name.length + 1));
}

function refuse(res: Response, error: { code: string; message: string; status: number }): void {
  res.status(error.status).json({ error: { code: error.code, message: error.message } });
}
