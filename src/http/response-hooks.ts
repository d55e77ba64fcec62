import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * Headers every response carries. API answers hold personal data or tokens,
 * so nothing is cached unless a route says otherwise (ASVS 14.3.2). HSTS only
 * means something over TLS, so it is sent only then.
 */
const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
};
const HSTS = 'max-age=31536000; includeSubDomains';

export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    done();
  });
}

/**
 * One log line per request, its level chosen by the outcome: server faults are
 * errors, requests slower than `slowMs` (0: never) warnings, client mistakes
 * and state changes info, reads that went well debug. Fields only; never a
 * header, body, token or email.
 */
export function installRequestLog(app: FastifyInstance, logger: Logger, slowMs = 0): void {
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    const slow = slowMs > 0 && ms >= slowMs;
    const level = status >= 500 ? 'error' : slow ? 'warn' : status >= 400 || request.method !== 'GET' ? 'info' : 'debug';
    if (logger.isLevelEnabled(level)) {
      const route = request.routeOptions.url ?? 'unmatched';
      const rounded = Math.round(ms * 100) / 100;
      logger[level]({ reqId: request.id, method: request.method, route, status, ms: rounded }, slow ? 'slow request' : 'request');
    }
    done();
  });
}
