import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock, Store } from '../domain/ports.js';
import type { Observability } from '../observability/observability.js';
import type { AuthService } from '../service/auth-service.js';
import type { KeyRing } from '../tokens/key-ring.js';
import { installErrorHandling } from './error-handler.js';
import { InvalidJson, parseStrictJson } from './json-body.js';
import { installRequestMetrics } from './request-metrics.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerObservabilityRoutes } from './routes/observability.js';
import { registerSessionRoutes } from './routes/sessions.js';
import { registerSystemRoutes } from './routes/system.js';
import { installRequestLog, installSecurityHeaders } from './response-hooks.js';
import { installServerTiming } from './server-timing.js';

export interface HttpDeps {
  readonly config: Config;
  readonly auth: AuthService;
  readonly keyRing: KeyRing;
  readonly store: Store;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly observability: Observability;
}

/** Settings the routes read, derived once from the configuration. */
export interface RouteSettings {
  readonly cookieName: string;
  readonly cookieSecure: boolean;
  readonly allowedOrigins: ReadonlySet<string>;
}

const MAX_JSON_DEPTH = 8;

export async function buildServer(deps: HttpDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One line per request, written by installRequestLog, replaces Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomBytes(8).toString('hex'),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });

  installJsonParser(app);
  installErrorHandling(app);
  installSecurityHeaders(app);
  installRequestLog(app, config.slowRequestMs);
  installRequestMetrics(app, deps.observability.metrics);
  installServerTiming(app, config.serverTiming);
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, { openapi: OPENAPI_INFO });

  const settings = routeSettings(config);
  registerSystemRoutes(app, deps);
  registerAuthRoutes(app, deps, settings);
  registerSessionRoutes(app, deps, settings);
  registerObservabilityRoutes(app, deps);
  return app;
}

function routeSettings(config: Config): RouteSettings {
  return {
    cookieName: config.cookieSecure ? '__Host-astral_session' : 'astral_session',
    cookieSecure: config.cookieSecure,
    allowedOrigins: new Set(config.allowedOrigins),
  };
}

/** JSON is the only body the API takes; anything else is a 415 before a handler runs. */
function installJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseStrictJson(body as Buffer, MAX_JSON_DEPTH));
    } catch (error) {
      done(error instanceof InvalidJson ? error : new InvalidJson('body is not valid JSON'), undefined);
    }
  });
}

const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'astral-auth',
    version: '1',
    description: 'Sign-up, login and sessions. Every error is {error:{code, message}} with a stable code.',
  },
  components: {
    securitySchemes: {
      sessionCookie: { type: 'apiKey' as const, in: 'cookie' as const, name: '__Host-astral_session' },
      bearer: { type: 'http' as const, scheme: 'bearer' },
    },
  },
};
