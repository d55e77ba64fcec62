import type { Authenticated, Authenticator } from './authenticator.js';
import { refusal } from './refusal.js';
import type { Result } from './result.js';

/**
 * Next.js helpers on Web `Request`/`Response` only, so they run in route
 * handlers on Node.js and in middleware on the edge runtime alike.
 *
 * ```ts
 * // app/api/me/route.ts
 * export const GET = withAuth(authenticator, (request, auth) => Response.json(auth.user));
 * // middleware.ts
 * export default authMiddleware(authenticator, { redirectTo: '/login' });
 * ```
 *
 * On the edge runtime an isolate lives too briefly to hold the revocation
 * stream: give the authenticator there no verifier (session checks with
 * the service, cached for a second), and verify access tokens with the
 * streamed verifier in route handlers on Node.js.
 */
export function authenticateRequest(request: Request, authenticator: Authenticator): Promise<Result<Authenticated>> {
  return authenticator.authenticate({
    authorization: request.headers.get('authorization'),
    cookie: request.headers.get('cookie'),
  });
}

/** A route handler that runs only for a signed-in caller; others get the 401 (or 503) answer. */
export function withAuth<Context>(
  authenticator: Authenticator,
  handler: (request: Request, auth: Authenticated, context: Context) => Response | Promise<Response>,
): (request: Request, context: Context) => Promise<Response> {
  return async (request, context) => {
    const result = await authenticateRequest(request, authenticator);
    return result.ok ? handler(request, result.data, context) : refusedResponse(result.error);
  };
}

export interface AuthMiddlewareOptions {
  /**
   * A fixed path of this app to send page navigations to when nobody is signed in;
   * nothing from the request goes into it. Without it, every refusal is a 401.
   */
  readonly redirectTo?: string;
}

/** Next.js middleware: returns nothing to let a signed-in request through. */
export function authMiddleware(authenticator: Authenticator, options: AuthMiddlewareOptions = {}) {
  const { redirectTo } = options;
  if (redirectTo !== undefined && !/^\/(?!\/)/.test(redirectTo)) {
    throw new TypeError('redirectTo: expected a path of this app such as /login');
  }
  return async (request: Request): Promise<Response | undefined> => {
    const result = await authenticateRequest(request, authenticator);
    if (result.ok) return undefined;
    if (redirectTo !== undefined && result.error.status === 401 && isPageNavigation(request)) {
      return Response.redirect(new URL(redirectTo, request.url), 307);
    }
    return refusedResponse(result.error);
  };
}

function refusedResponse(error: Parameters<typeof refusal>[0]): Response {
  const refused = refusal(error);
  return new Response(JSON.stringify(refused.body), { status: refused.status, headers: refused.headers });
}

function isPageNavigation(request: Request): boolean {
  return request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');
}

export type { Authenticated, Authenticator } from './authenticator.js';
export { createAuthenticator } from './authenticator.js';
