import type { FastifyReply, FastifyRequest } from 'fastify';
import { isExpectedToken, readBearer } from './bearer.js';
import { sendError } from './error-handler.js';

const METRICS_FORBIDDEN = {
  code: 'metrics_forbidden',
  message: '/metrics is open on loopback only: ASTRAL_METRICS_TOKEN is not set',
} as const;
const INVALID_METRICS_TOKEN = {
  code: 'invalid_metrics_token',
  message: '/metrics needs Authorization: Bearer <ASTRAL_METRICS_TOKEN>',
} as const;

// A proxy on the same host connects from loopback but speaks for someone else.
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/**
 * Who may read /metrics: a scraper connected directly over loopback, judged
 * by the socket's address and never by X-Forwarded-For, or anyone presenting
 * ASTRAL_METRICS_TOKEN as a bearer token. A request relayed by a local proxy
 * is not direct and needs the token.
 */
export function metricsAccess(metricsToken: string | null) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (isDirectLoopback(request)) return undefined;

    if (metricsToken === null) return sendError(reply, METRICS_FORBIDDEN);

    if (!isExpectedToken(readBearer(request), metricsToken)) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, INVALID_METRICS_TOKEN);
    }
    return undefined;
  };
}

export function isDirectLoopback(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? '';
  const loopback = address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
  return loopback && FORWARDING_HEADERS.every((name) => request.headers[name] === undefined);
}
