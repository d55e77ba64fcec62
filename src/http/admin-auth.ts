import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Forbidden } from '../domain/errors.js';
import type { Actor } from '../service/session-control.js';
import { authenticateSession } from './authenticate.js';
import { clientContext } from './client-context.js';
import type { HttpDeps, RouteSettings } from './server.js';

/**
 * Who may use /v1/admin: the holder of ASTRAL_ADMIN_TOKEN, or a session
 * (the session credential, not an access token) of a user whose role, read
 * from the users row on this request, is one of ASTRAL_ADMIN_ROLES. A valid
 * session of anyone else is a 403; no valid credential is a 401.
 */
export async function authenticateAdmin(request: FastifyRequest, deps: HttpDeps, settings: RouteSettings): Promise<Actor> {
  const { config, auth } = deps;
  if (config.adminToken && presentsToken(request, config.adminToken)) {
    const { ip, userAgent } = clientContext(request, settings);
    return { name: 'admin-token', ip, userAgent };
  }

  const { view, context } = await authenticateSession(request, auth, settings);
  if (!config.adminRoles.includes(view.user.role)) throw new Forbidden('an admin role is required');
  return { name: `admin:${view.userId}`, ip: context.ip, userAgent: context.userAgent };
}

/** Hashing both sides first gives equal lengths, so the comparison's time tells nothing about the token. */
function presentsToken(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(token));
}
