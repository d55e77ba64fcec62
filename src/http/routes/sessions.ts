import type { FastifyInstance, FastifyReply } from 'fastify';
import { authenticateAny, authenticateSession } from '../authenticate.js';
import { iso, presentSessionSummary, sessionBody } from '../presenters.js';
import { errorReplies, IdParams, SessionListReply, SessionReply, TokenReply } from '../schemas.js';
import type { HttpDeps, RouteSettings } from '../server.js';

const BEARER_OR_COOKIE: Array<Record<string, string[]>> = [{ bearer: [] }, { sessionCookie: [] }];

/** Reading, refreshing and ending sessions. */
export function registerSessionRoutes(app: FastifyInstance, deps: HttpDeps, settings: RouteSettings): void {
  const { auth, config } = deps;
  // Only the idle expiry is read from it; the touch interval plays no part in the answer.
  const sessionPolicy = { ...config.session, touchIntervalMs: 0 };

  app.get(
    '/v1/session',
    // No request limit: apps check every request of their users here, often from one address,
    // and a 256-bit token cannot be guessed by asking; floods belong to the load balancer.
    { config: { rateBucket: 'unlimited' }, schema: { tags: ['sessions'], security: BEARER_OR_COOKIE, response: { 200: SessionReply, ...errorReplies(401, 503) } } },
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
      const { view, context } = await authenticateSession(request, auth, settings);
      await auth.logout(view, context);
      return endCookieSession(reply, settings);
    },
  );

  registerOwnSessionRoutes(app, deps, settings);

  app.post(
    '/v1/logout-all',
    { schema: { tags: ['sessions'], security: BEARER_OR_COOKIE, response: { 204: { type: 'null' }, ...errorReplies(401, 403, 503) } } },
    async (request, reply) => {
      const { view, context } = await authenticateSession(request, auth, settings);
      await auth.logoutAll(view, context);
      return endCookieSession(reply, settings);
    },
  );
}

/** A user's own sessions: list them, end any one of them (another user's is a 404, like a missing one). */
function registerOwnSessionRoutes(app: FastifyInstance, deps: HttpDeps, settings: RouteSettings): void {
  const { auth, guardian } = deps;

  app.get(
    '/v1/sessions',
    { schema: { tags: ['sessions'], security: BEARER_OR_COOKIE, response: { 200: SessionListReply, ...errorReplies(401, 429, 503) } } },
    async (request) => {
      const { view } = await authenticateAny(request, auth, settings);
      const sessions = await guardian.sessions.list(view.userId);
      return { sessions: sessions.map((session) => ({ ...presentSessionSummary(session), current: session.id === view.id })) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/sessions/:id',
    { schema: { tags: ['sessions'], security: BEARER_OR_COOKIE, params: IdParams, response: { 204: { type: 'null' }, ...errorReplies(400, 401, 403, 404, 429, 503) } } },
    async (request, reply) => {
      const { view, context } = await authenticateSession(request, auth, settings);
      await guardian.sessions.end(request.params.id, view.userId, { name: `user:${view.userId}`, ...context });
      return reply.code(204).send();
    },
  );
}

export function endCookieSession(reply: FastifyReply, settings: RouteSettings): FastifyReply {
  reply.clearCookie(settings.cookieName, { path: '/', secure: settings.cookieSecure, httpOnly: true, sameSite: 'lax' });
  return reply.code(204).send();
}
