import type { FastifyInstance, FastifyReply } from 'fastify';
import { authenticateAny, authenticateSession } from '../authenticate.js';
import { iso, sessionBody } from '../presenters.js';
import { errorReplies, SessionReply, TokenReply } from '../schemas.js';
import type { HttpDeps, RouteSettings } from '../server.js';

const BEARER_OR_COOKIE: Array<Record<string, string[]>> = [{ bearer: [] }, { sessionCookie: [] }];

/** Reading, refreshing and ending sessions. */
export function registerSessionRoutes(app: FastifyInstance, deps: HttpDeps, settings: RouteSettings): void {
  const { auth, config } = deps;
  // Only the idle expiry is read from it; the touch interval plays no part in the answer.
  const sessionPolicy = { ...config.session, touchIntervalMs: 0 };

  app.get(
    '/v1/session',
    { schema: { tags: ['sessions'], security: BEARER_OR_COOKIE, response: { 200: SessionReply, ...errorReplies(401, 503) } } },
    async (request, reply) => {
      const { view } = await authenticateAny(request, auth, settings);
      return reply.type('application/json; charset=utf-8').send(sessionBody(view, sessionPolicy));
    },
  );

  app.post(
    '/v1/token',
    { schema: { tags: ['sessions'], security: BEARER_OR_COOKIE, response: { 200: TokenReply, ...errorReplies(401, 403, 503) } } },
    async (request) => {
      const { view } = await authenticateSession(request, auth, settings);
      const access = await auth.issueAccessToken(view);
      return { accessToken: access.token, accessTokenExpiresAt: iso(access.expiresAt) };
    },
  );

  app.post(
    '/v1/logout',
    { schema: { tags: ['sessions'], security: BEARER_OR_COOKIE, response: { 204: { type: 'null' }, ...errorReplies(401, 403, 503) } } },
    async (request, reply) => {
      const { view } = await authenticateSession(request, auth, settings);
      await auth.logout(view);
      return endCookieSession(reply, settings);
    },
  );

  app.post(
    '/v1/logout-all',
    { schema: { tags: ['sessions'], security: BEARER_OR_COOKIE, response: { 204: { type: 'null' }, ...errorReplies(401, 403, 503) } } },
    async (request, reply) => {
      const { view } = await authenticateSession(request, auth, settings);
      await auth.logoutAll(view.userId);
      return endCookieSession(reply, settings);
    },
  );
}

export function endCookieSession(reply: FastifyReply, settings: RouteSettings): FastifyReply {
  reply.clearCookie(settings.cookieName, { path: '/', secure: settings.cookieSecure, httpOnly: true, sameSite: 'lax' });
  return reply.code(204).send();
}
