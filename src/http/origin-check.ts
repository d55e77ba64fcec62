import type { FastifyRequest } from 'fastify';

/**
 * Cross-site request defence for cookie-carrying requests (ASVS 3.5): besides
 * SameSite=Lax and JSON-only bodies (which force a CORS preflight), the
 * browser's Origin must be this service's own or one configured. Without an
 * Origin header, Fetch Metadata decides; a request with neither did not come
 * from a browser page and cannot be forged by one.
 */
export class ForbiddenOrigin extends Error {
  constructor() {
    super('this origin may not make cookie-authenticated requests');
    this.name = 'ForbiddenOrigin';
  }
}

export function assertSameOrAllowedOrigin(request: FastifyRequest, allowed: ReadonlySet<string>): void {
  const origin = request.headers.origin;
  if (origin === undefined) {
    if (request.headers['sec-fetch-site'] === 'cross-site') throw new ForbiddenOrigin();
    return;
  }
  if (allowed.has(origin) || origin === `${request.protocol}://${request.host}`) return;
  throw new ForbiddenOrigin();
}
