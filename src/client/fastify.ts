import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticated, Authenticator } from './authenticator.js';
import { refusal } from './refusal.js';

/**
 * Fastify plugin: `request.auth` for every request, and `app.requireAuth`
 * to put on the routes (or scopes) that need a signed-in caller; it answers
 * 401 with the service's error shape otherwise.
 *
 * ```ts
 * await app.register(astralAuth, { authenticator });
 * app.get('/me', { onRequest: app.requireAuth }, async (request) => request.auth!.user);
 * ```
 */
export interface AstralFastifyOptions {
  readonly authenticator: Authenticator;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, once `requireAuth` has run; null before. */
    auth: Authenticated | null;
  }
  interface FastifyInstance {
    requireAuth: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

async function plugin(app: FastifyInstance, options: AstralFastifyOptions): Promise<void> {
  const { authenticator } = options;
  app.decorateRequest('auth', null);
  app.decorate('requireAuth', async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await authenticator.authenticate(request.headers);
    if (result.ok) {
      request.auth = result.data;
      return;
    }
    const refused = refusal(result.error);
    await reply.code(refused.status).headers(refused.headers).send(refused.body);
  });
}

// The decorations belong to the app that registers the plugin, not to a child scope of its own.
export const astralAuth = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'astral-auth',
});

export type { Authenticated, Authenticator } from './authenticator.js';
export { createAuthenticator } from './authenticator.js';
