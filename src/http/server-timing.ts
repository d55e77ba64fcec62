import type { FastifyInstance } from 'fastify';

/**
 * With ASTRAL_SERVER_TIMING=total, each response says how long the service
 * spent on it, and nothing more: a breakdown (database, cache, hashing)
 * would tell a client whose session was cached, that is who was active
 * recently, and timing belongs in a header, never in a body. Off by default,
 * since even the total narrows what a client measures by itself.
 */
export function installServerTiming(app: FastifyInstance, mode: 'off' | 'total'): void {
  if (mode === 'off') return;

  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('server-timing', `total;dur=${reply.elapsedTime.toFixed(1)}`);
    done(null, payload);
  });
}
