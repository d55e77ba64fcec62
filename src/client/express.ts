import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticated, Authenticator } from './authenticator.js';
import { refusal } from './refusal.js';

/**
 * Express (or any connect-style) middleware: sets `req.auth` and calls the
 * next handler, or answers 401 with the service's error shape.
 *
 * ```ts
 * app.get('/me', requireAuth(authenticator), (req, res) => res.json(req.auth!.user));
 * ```
 */
declare global {
  namespace Express {
    interface Request {
      auth?: Authenticated;
    }
  }
}

type Next = (error?: unknown) => void;

export function requireAuth(authenticator: Authenticator) {
  return (req: IncomingMessage & { auth?: Authenticated }, res: ServerResponse, next: Next): void => {
    authenticator.authenticate(headersOf(req)).then((result) => {
      if (result.ok) {
        req.auth = result.data;
        return next();
      }
      const refused = refusal(result.error);
      res.writeHead(refused.status, refused.headers).end(JSON.stringify(refused.body));
    }, next);
  };
}

function headersOf(req: IncomingMessage) {
  return { authorization: req.headers.authorization, cookie: req.headers.cookie };
}

export type { Authenticated, Authenticator } from './authenticator.js';
export { createAuthenticator } from './authenticator.js';
