import type { FastifyInstance, FastifyReply, onRequestHookHandler } from 'fastify';
import type { RateBucket } from '../config.js';
import type { GuardianParts } from '../guardian-wiring.js';
import type { RateDecision } from '../service/rate-limiter.js';
import { sendError } from './error-handler.js';
import { withHook } from './route-hooks.js';

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
 *
 * Each route gets the hook its bucket needs when it is added, so a session
 * check pays for one block lookup and nothing else; requests that match no
 * route count against the general limit.
 */
export function installProtection(app: FastifyInstance, parts: GuardianParts): void {
  app.addHook('onRoute', (route) => {
    const bucket = route.config?.rateBucket ?? 'general';
    if (bucket === 'none') return;
    route.onRequest = withHook<onRequestHookHandler>(route.onRequest, guardFor(bucket, parts));
  });
  const unmatched = guardFor('general', parts);
  app.addHook('onRequest', (request, reply, done) => {
    if (request.is404) return unmatched.call(app, request, reply, done);
    done();
  });
}

function guardFor(bucket: RateBucket | 'unlimited', parts: GuardianParts): onRequestHookHandler {
  const { blocks, rateLimiter } = parts;
  if (!rateLimiter || bucket === 'unlimited') {
    return (request, reply, done) => {
      if (blocks.isBlocked(request.ip)) return blocked(reply);
      done();
    };
  }
  return (request, reply, done) => {
    if (blocks.isBlocked(request.ip)) return blocked(reply);
    rateLimiter.check(bucket, request.ip).then((decision) => {
      setRateHeaders(reply, decision);
      if (decision.allowed) return done();
      sendError(reply, { code: 'too_many_attempts', message: 'request limit reached; retry after the Retry-After header', retryAfter: decision.resetSeconds });
    }, done);
  };
}

function blocked(reply: FastifyReply): void {
  sendError(reply, { code: 'forbidden', message: 'requests from this address are blocked' });
}

function setRateHeaders(reply: FastifyReply, decision: RateDecision): void {
  reply.header('ratelimit-policy', `"${decision.bucket}";q=${decision.limit};w=${decision.windowSeconds}`);
  reply.header('ratelimit', `"${decision.bucket}";r=${decision.remaining};t=${decision.resetSeconds}`);
}
