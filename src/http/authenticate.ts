import type { FastifyRequest } from 'fastify';
import { InvalidSession } from '../domain/errors.js';
import type { SessionView } from '../domain/ports.js';
import type { AuthService, ClientContext } from '../service/auth-service.js';
import { clientContext } from './client-context.js';
import { readCredential, type Credential } from './credentials.js';
import { assertSameOrAllowedOrigin } from './origin-check.js';
import type { RouteSettings } from './server.js';

export interface Authenticated {
  readonly view: SessionView;
  readonly credential: Credential;
  readonly context: ClientContext;
}

/** Any credential: the session token (cookie or bearer) or an access token. */
export async function authenticateAny(
  request: FastifyRequest,
  auth: AuthService,
  settings: RouteSettings,
): Promise<Authenticated> {
  const credential = readCredential(request, settings.cookieName);
  const context = clientContext(request, settings);
  if (credential.kind === 'access_token') {
    return { view: (await auth.validateAccessToken(credential.token, { context })).view, credential, context };
  }
  return { view: await auth.validateSessionToken(credential.token, { context }), credential, context };
}

/**
 * The session credential only, for what changes state or mints tokens: an
 * access token is a bearer of limited reach and can do none of it (ASVS 9.2.2).
 */
export async function authenticateSession(
  request: FastifyRequest,
  auth: AuthService,
  settings: RouteSettings,
  allowPendingStepUp = false,
): Promise<Authenticated> {
  const credential = readCredential(request, settings.cookieName);
  if (credential.kind !== 'session_token') throw new InvalidSession();
  if (credential.via === 'cookie') assertSameOrAllowedOrigin(request, settings.allowedOrigins);

  const context = clientContext(request, settings);
  return { view: await auth.validateSessionToken(credential.token, { context, allowPendingStepUp }), credential, context };
}
