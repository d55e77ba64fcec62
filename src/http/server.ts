import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock, RevocationBus, Store } from '../domain/ports.js';
import type { Observability } from '../observability/observability.js';
import type { AuthService } from '../service/auth-service.js';
import type { KeyRing } from '../tokens/key-ring.js';
import { installDrain } from './drain.js';
import { answerFrameworkError, installErrorHandling } from './error-handler.js';
import { InvalidJson, parseStrictJson } from './json-body.js';
import type { GuardianParts } from '../guardian-wiring.js';
import { installProtection } from './protection-hooks.js';
import { registerAdminRoutes } from './routes/admin.js';
import type { Lifecycle } from '../lifecycle.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerLifecycleRoutes } from './routes/lifecycle.js';
import { registerPrivacyRoutes } from './routes/privacy.js';
import { registerRevocationRoutes } from './routes/revocations.js';
import { registerMfaRoutes } from './routes/mfa.js';
import { installRequestMetrics } from './request-metrics.js';
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
  readonly lifecycle: Lifecycle;
  readonly revocations: RevocationBus;
  readonly guardian: GuardianParts;
  readonly observability: Observability;
}

/** Settings the routes read, derived once from the configuration. */
export interface RouteSettings {
  readonly cookieName: string;
  readonly deviceCookieName: string;
  readonly cookieSecure: boolean;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly knownClientTtlMs: number;
}

const MAX_JSON_DEPTH = 8;
// How often Node looks for requests past the timeout (its default is 30 s).
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export async function buildServer(deps: HttpDeps): Promise<FastifyInstance> {
  const { config } = deps;
  // Fastify gets no logger: it would make a child logger for every request.
  // The request log (installRequestLog) and the error handler write to ours,
  // with the request id as a field.
  const app = Fastify({
    genReqId: requestIds(),
    bodyLimit: config.bodyLimit,
    // Fastify's default is no limit at all: a client sending a byte at a time would hold its
    // connection forever (slowloris). The whole request, headers and body, must arrive in time.
    // Node enforces the request timeout only while the headers timeout is no longer than it.
    requestTimeout: config.requestTimeoutMs,
    http: { headersTimeout: config.requestTimeoutMs, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });

  installJsonParser(app);
  installErrorHandling(app, deps.logger);
  installSecurityHeaders(app);
  installRequestLog(app, deps.logger, config.slowRequestMs);
  installDrain(app);
  installRequestMetrics(app, deps.observability.metrics);
  installServerTiming(app, config.serverTiming);
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, { openapi: OPENAPI_INFO });

  const settings = routeSettings(config);
  installProtection(app, deps.guardian);
  registerSystemRoutes(app, deps);
  registerAuthRoutes(app, deps, settings);
  registerSessionRoutes(app, deps, settings);
  registerLifecycleRoutes(app, deps, settings);
  registerPrivacyRoutes(app, deps, settings);
  registerRevocationRoutes(app, {
    ...deps,
    feedToken: config.revocationFeed.token,
    heartbeatMs: config.revocationFeed.heartbeatMs,
    accessTokenTtlMs: config.jwt.ttlMs,
  });
  registerMfaRoutes(app, deps, settings);
  registerAdminRoutes(app, deps, settings);
  registerObservabilityRoutes(app, deps);
  return app;
}

/**
 * Request ids: a random prefix per process and a counter. Unique across
 * instances and cheap; a request id identifies a log line, it guards nothing.
 */
function requestIds(): () => string {
  const prefix = randomBytes(4).toString('hex');
  let count = 0;
  return () => `${prefix}-${(++count).toString(36)}`;
}

function routeSettings(config: Config): RouteSettings {
  return {
    cookieName: config.cookieSecure ? '__Host-astral_session' : 'astral_session',
    deviceCookieName: config.cookieSecure ? '__Host-astral_device' : 'astral_device',
    cookieSecure: config.cookieSecure,
    allowedOrigins: new Set(config.allowedOrigins),
    knownClientTtlMs: config.lockout.knownClientTtlMs,
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
    description: 'Sign-up, login, sessions, TOTP and administration. Every error is {error:{code, message}} with a stable code.',
  },
  components: {
    securitySchemes: {
      sessionCookie: { type: 'apiKey' as const, in: 'cookie' as const, name: '__Host-astral_session' },
      bearer: { type: 'http' as const, scheme: 'bearer' },
      feedToken: { type: 'http' as const, scheme: 'bearer', description: 'ASTRAL_REVOCATION_FEED_TOKEN' },
      adminToken: { type: 'http' as const, scheme: 'bearer', description: 'ASTRAL_ADMIN_TOKEN' },
    },
  },
};
