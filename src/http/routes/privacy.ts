import type { FastifyInstance } from 'fastify';
import { authenticateSession } from '../authenticate.js';
import { DeleteAccountBody, errorReplies, ExportReply } from '../schemas.js';
import type { HttpDeps, RouteSettings } from '../server.js';
import { endCookieSession } from './sessions.js';

/** A signed-in user's own data: a copy of all of it, and deleting the account. */
export function registerPrivacyRoutes(app: FastifyInstance, deps: HttpDeps, settings: RouteSettings): void {
  const { privacy } = deps.lifecycle;
  const { auth } = deps;

  app.get(
    '/v1/me/export',
    { schema: { tags: ['accounts'], response: { 200: ExportReply, ...errorReplies(401, 403, 503) } } },
    async (request, reply) => {
      // The session credential, not an access token: an app holding a user's token may not take all their data.
      const { view } = await authenticateSession(request, auth, settings);
      reply.header('content-disposition', 'attachment; filename="astral-auth-export.json"');
      return privacy.exportAccount(view);
    },
  );

  app.delete<{ Body: DeleteAccountBody }>(
    '/v1/me',
    { schema: { tags: ['accounts'], body: DeleteAccountBody, response: { 204: { type: 'null' }, ...errorReplies(400, 401, 403, 413, 415, 503) } } },
    async (request, reply) => {
      const { view, context } = await authenticateSession(request, auth, settings);
      await privacy.deleteAccount(view, request.body.password, context);
      return endCookieSession(reply, settings);
    },
  );
}
