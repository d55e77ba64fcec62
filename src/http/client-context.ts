import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDeviceIdShaped } from '../service/guardian.js';
import type { ClientContext } from '../service/auth-service.js';
import type { RouteSettings } from './server.js';

/**
 * The client as the service sees it. The address is the socket's, or the one
 * a configured trusted proxy forwarded (Fastify's trustProxy): a client's own
 * X-Forwarded-For is ignored (R15), for throttling and audit alike.
 */
export function clientContext(request: FastifyRequest, settings: RouteSettings): ClientContext {
  const device = request.cookies[settings.deviceCookieName];
  return {
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    deviceId: isDeviceIdShaped(device) ? device : null,
  };
}

/** Kept as long as a known client is remembered; HttpOnly, so page scripts never see it. */
export function setDeviceCookie(reply: FastifyReply, settings: RouteSettings, deviceId: string): void {
  reply.setCookie(settings.deviceCookieName, deviceId, {
    httpOnly: true,
    secure: settings.cookieSecure,
    sameSite: 'lax',
    path: '/',
    maxAge: Math.floor(settings.knownClientTtlMs / 1000),
  });
}
