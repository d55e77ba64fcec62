import type { FastifyInstance } from 'fastify';
import { errorReplies, HealthReply } from '../schemas.js';
import type { HttpDeps } from '../server.js';

/** Health, readiness, the public keys and the API's own description. */
export function registerSystemRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { store, keyRing, clock } = deps;

  // Load balancers probe these from few addresses, often: no request limit, no block.
  app.get('/healthz', { config: { rateBucket: 'none' }, schema: { tags: ['system'], response: { 200: HealthReply } } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { config: { rateBucket: 'none' }, schema: { tags: ['system'], response: { 200: HealthReply, ...errorReplies(503) } } },
    async () => {
      await store.ping();
      return { status: 'ready' };
    },
  );

  app.get('/.well-known/jwks.json', { config: { rateBucket: 'unlimited' }, schema: { tags: ['system'] } }, async (_request, reply) => {
    // Short caching: a verifier meeting an unknown key id fetches again anyway.
    reply.header('cache-control', 'public, max-age=60');
    return keyRing.jwks(clock.now());
  });

  app.get('/v1/openapi.json', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return app.swagger();
  });
}
