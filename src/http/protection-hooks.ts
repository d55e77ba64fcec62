import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RateBucket } from '../config.js';
import type { GuardianParts } from '../guardian-wiring.js';
import type { RateDecision } from '../service/rate-limiter.js';
import { sendError } from './error-handler.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The request limit a route counts against: `unlimited` for routes apps
     * call on every request (blocks still apply), `none` for health checks.
     */
    rateBucket?: RateBucket | 'unlimited' | 'none';
  }
}

/**
 * Runs before any route: operator blocks first (403), then the route's
 * request limit (429). Every limited answer carries the IETF draft's
 * RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers).
 */
export function installProtection(app: FastifyInstance, parts: GuardianParts): void {
  app.addHook('onRequest', async (request, reply) => {
    const bucket = request.routeOptions.config.rateBucket ?? 'general';
    if (bucket === 'none') return;

    if (parts.blocks.isBlocked(request.ip)) {
      return sendError(reply, { code: 'forbidden', message: 'requests from this address are blocked' });
    }
    if (!parts.rateLimiter || bucket === 'unlimited') return;
    const decision = await parts.rateLimiter.check(bucket, request.ip);
    setRateHeaders(reply, decision);
    if (!decision.allowed) {
      return sendError(reply, { code: 'too_many_attempts', message: 'request limit reached; retry after the Retry-After header', retryAfter: decision.resetSeconds });
    }
  });
}

function setRateHeaders(reply: FastifyReply, decision: RateDecision): void {
  reply.header('ratelimit-policy', `"${decision.bucket}";q=${decision.limit};w=${decision.windowSeconds}`);
  reply.header('ratelimit', `"${decision.bucket}";r=${decision.remaining};t=${decision.resetSeconds}`);
}
