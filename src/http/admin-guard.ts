import type { FastifyReply, FastifyRequest } from 'fastify';
import { isExpectedToken, readBearer } from './bearer.js';
import { sendError } from './error-handler.js';

const ADMIN_DISABLED = {
  code: 'admin_disabled',
  message: 'admin routes are off: ASTRAL_ADMIN_TOKEN is not set',
} as const;
const INVALID_ADMIN_TOKEN = {
  code: 'invalid_admin_token',
  message: 'an admin route needs Authorization: Bearer <ASTRAL_ADMIN_TOKEN>',
} as const;

export type AdminGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/**
 * The one gate in front of every admin route (alerts, stats, the
 * dashboard's data), to be swapped as a whole when admin sessions exist.
 * Until then an admin is whoever presents ASTRAL_ADMIN_TOKEN as a bearer
 * token; without the setting the admin routes refuse everyone. The token is
 * taken from the Authorization header only, never from the URL, where it
 * would end in access logs and browser history.
 */
export function adminGuard(adminToken: string | null): AdminGuard {
  return async (request, reply) => {
    if (adminToken === null) return sendError(reply, ADMIN_DISABLED);

    if (!isExpectedToken(readBearer(request), adminToken)) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, INVALID_ADMIN_TOKEN);
    }
    return undefined;
  };
}
