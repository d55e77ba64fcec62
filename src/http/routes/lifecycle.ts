import type { FastifyInstance } from 'fastify';
import { authenticateSession } from '../authenticate.js';
import { assertSameOrAllowedOrigin } from '../origin-check.js';
import {
  EmailChangeBody,
  errorReplies,
  ForgotPasswordBody,
  RedirectBody,
  ResetPasswordBody,
  TokenBody,
} from '../schemas.js';
import type { HttpDeps, RouteSettings } from '../server.js';

const EMPTY = { type: 'null' } as const;

/**
 * The routes behind mailed links. Tokens arrive in bodies only, posted by the
 * app's page that read them from the link's fragment: never in a URL, where
 * logs and Referer headers would keep them (ASVS 14.2.1).
 */
export function registerLifecycleRoutes(app: FastifyInstance, deps: HttpDeps, settings: RouteSettings): void {
  const { flows } = deps.lifecycle;
  const { auth } = deps;

  app.post<{ Body: TokenBody }>(
    '/v1/email/verify',
    { config: { rateBucket: 'mail' }, schema: { tags: ['accounts'], body: TokenBody, response: { 204: EMPTY, ...errorReplies(400, 403, 413, 415, 503) } } },
    async (request, reply) => {
      assertSameOrAllowedOrigin(request, settings.allowedOrigins);
      await flows.verifyEmail(request.body.token);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: RedirectBody }>(
    '/v1/email/verify/resend',
    {
      config: { rateBucket: 'mail' },
      schema: { tags: ['accounts'], body: RedirectBody, response: { 202: EMPTY, ...errorReplies(400, 401, 403, 413, 415, 503) } },
      // The body is optional here: a bare POST asks for the default link.
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
    },
    async (request, reply) => {
      const { view } = await authenticateSession(request, auth, settings);
      await flows.resendVerification(view, request.body.redirect);
      return reply.code(202).send();
    },
  );

  app.post<{ Body: ForgotPasswordBody }>(
    '/v1/password/forgot',
    { config: { rateBucket: 'mail' }, schema: { tags: ['accounts'], body: ForgotPasswordBody, response: { 202: EMPTY, ...errorReplies(400, 403, 413, 415, 503) } } },
    async (request, reply) => {
      assertSameOrAllowedOrigin(request, settings.allowedOrigins);
      await flows.forgotPassword(request.body.email, request.body.redirect);
      return reply.code(202).send();
    },
  );

  app.post<{ Body: ResetPasswordBody }>(
    '/v1/password/reset',
    { config: { rateBucket: 'mail' }, schema: { tags: ['accounts'], body: ResetPasswordBody, response: { 204: EMPTY, ...errorReplies(400, 403, 413, 415, 503) } } },
    async (request, reply) => {
      assertSameOrAllowedOrigin(request, settings.allowedOrigins);
      await flows.resetPassword(request.body.token, request.body.newPassword);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: EmailChangeBody }>(
    '/v1/email/change',
    { config: { rateBucket: 'mail' }, schema: { tags: ['accounts'], body: EmailChangeBody, response: { 202: EMPTY, ...errorReplies(400, 401, 403, 413, 415, 503) } } },
    async (request, reply) => {
      const { view, context } = await authenticateSession(request, auth, settings);
      const { newEmail, password, redirect } = request.body;
      await flows.requestEmailChange(view, { newEmail, password, redirect }, context);
      return reply.code(202).send();
    },
  );

  app.post<{ Body: TokenBody }>(
    '/v1/email/change/confirm',
    { config: { rateBucket: 'mail' }, schema: { tags: ['accounts'], body: TokenBody, response: { 204: EMPTY, ...errorReplies(400, 403, 409, 413, 415, 503) } } },
    async (request, reply) => {
      assertSameOrAllowedOrigin(request, settings.allowedOrigins);
      await flows.confirmEmailChange(request.body.token);
      return reply.code(204).send();
    },
  );
}
