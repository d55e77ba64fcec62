import type { FastifyInstance } from 'fastify';
import { authenticateSession } from '../authenticate.js';
import { CodeBody, DisableTotpBody, EnrollReply, errorReplies, PasswordOnlyBody, RecoveryCodesReply } from '../schemas.js';
import type { HttpDeps, RouteSettings } from '../server.js';

const SESSION_ONLY: Array<Record<string, string[]>> = [{ bearer: [] }, { sessionCookie: [] }];
const MFA_ERRORS = errorReplies(400, 401, 403, 409, 413, 415, 429, 503);

/**
 * TOTP for the signed-in user. Every change asks for a proof made now: the
 * password to enrol (R28), a code to confirm, both to disable. All of them
 * take the session credential only, never an access token.
 */
export function registerMfaRoutes(app: FastifyInstance, deps: HttpDeps, settings: RouteSettings): void {
  const { auth, guardian } = deps;
  const { mfa } = guardian.guardian;

  app.post<{ Body: { password: string } }>(
    '/v1/mfa/totp/enroll',
    { config: { rateBucket: 'mfa' }, schema: { tags: ['mfa'], security: SESSION_ONLY, body: PasswordOnlyBody, response: { 200: EnrollReply, ...MFA_ERRORS } } },
    async (request) => {
      const { view, context } = await authenticateSession(request, auth, settings);
      await auth.confirmPassword(view, request.body.password, 'mfa_settings', context);
      return mfa.enroll(view.user, context);
    },
  );

  app.post<{ Body: { code: string } }>(
    '/v1/mfa/totp/confirm',
    { config: { rateBucket: 'mfa' }, schema: { tags: ['mfa'], security: SESSION_ONLY, body: CodeBody, response: { 200: RecoveryCodesReply, ...MFA_ERRORS } } },
    async (request) => {
      const { view, context } = await authenticateSession(request, auth, settings);
      const recoveryCodes = await mfa.confirm(view.user, request.body.code, context);
      await deps.lifecycle.notices.mfaEnabled(view.userId);
      return { recoveryCodes };
    },
  );

  app.post<{ Body: { password: string; code: string } }>(
    '/v1/mfa/totp/disable',
    { config: { rateBucket: 'mfa' }, schema: { tags: ['mfa'], security: SESSION_ONLY, body: DisableTotpBody, response: { 204: { type: 'null' }, ...MFA_ERRORS } } },
    async (request, reply) => {
      const { view, context } = await authenticateSession(request, auth, settings);
      await auth.confirmPassword(view, request.body.password, 'mfa_settings', context);
      await mfa.disable(view.user, request.body.code, context);
      await deps.lifecycle.notices.mfaDisabled(view.userId);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { code: string } }>(
    '/v1/session/step-up',
    { config: { rateBucket: 'mfa' }, schema: { tags: ['mfa', 'sessions'], security: SESSION_ONLY, body: CodeBody, response: { 204: { type: 'null' }, ...MFA_ERRORS } } },
    async (request, reply) => {
      const { view, context } = await authenticateSession(request, auth, settings, true);
      await guardian.guardian.confirmStepUp(view, request.body.code, context);
      return reply.code(204).send();
    },
  );
}
