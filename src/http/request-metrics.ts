import type { FastifyInstance, onResponseHookHandler, RouteOptions } from 'fastify';
import type { Metrics, RequestTimer } from '../observability/metrics.js';
import { withHook } from './route-hooks.js';

/**
 * Times every response by route pattern and status, never by raw URL. Each
 * route gets its own hook with its timer bound when the route is added, so
 * a response costs one map lookup and one observation, with no allocation.
 * The duration is the one Fastify measures anyway (`reply.elapsedTime`).
 * Requests that match no route are timed as route "unmatched".
 */
export function installRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  if (!metrics.enabled) return;

  app.addHook('onRoute', (route) => {
    const timer = metrics.requestTimer(methodLabel(route.method), route.url);
    route.onResponse = withHook<onResponseHookHandler>(route.onResponse, timing(timer));
  });

  const unmatched = metrics.requestTimer('ANY', 'unmatched');
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) unmatched.observe(reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

function timing(timer: RequestTimer): onResponseHookHandler {
  return (_request, reply, done) => {
    timer.observe(reply.statusCode, reply.elapsedTime / 1000);
    done();
  };
}

function methodLabel(method: RouteOptions['method']): string {
  return Array.isArray(method) ? method.join(',') : String(method);
}
