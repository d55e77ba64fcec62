import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IssuedSession } from '../../service/auth-service.js';
import { authenticateSession } from '../authenticate.js';
import { clientContext, setDeviceCookie } from '../client-context.js';
import { assertSameOrAllowedOrigin } from '../origin-check.js';
import { presentLogin, presentUser } from '../presenters.js';
import {
  errorReplies,
  LoginBody,
  LoginMfaBody,
  LoginRefusal,
  LoginReply,
  PasswordChangeBody,
  RegisterBody,
  RegisterReply,
} from '../schemas.js';
import type { HttpDeps, RouteSettings } from '../server.js';

/** Sign-up, login and password change: the routes that take a password. */
export function registerAuthRoutes(app: FastifyInstance, deps: HttpDeps, settings: RouteSettings): void {
  const { auth } = deps;

  app.post<{ Body: RegisterBody }>(
    '/v1/register',
    { config: { rateBucket: 'register' }, schema: { tags: ['accounts'], body: RegisterBody, response: { 201: RegisterReply, ...errorReplies(400, 403, 409, 413, 415, 503) } } },
    async (request, reply) => {
      assertSameOrAllowedOrigin(request, settings.allowedOrigins);
      const user = await auth.register(request.body, undefined, clientContext(request, settings));
      return reply.code(201).send({ user: presentUser(user) });
    },
  );

  app.post<{ Body: LoginBody }>(
    '/v1/login',
    {
      config: { rateBucket: 'login' },
      schema: { tags: ['sessions'], body: LoginBody, response: { 200: LoginReply, ...errorReplies(400, 403, 413, 415, 429, 503), 401: LoginRefusal } },
    },
    async (request, reply) => {
      // Login CSRF: a foreign page must not sign the browser into another account.
      assertSameOrAllowedOrigin(request, settings.allowedOrigins);
      const issued = await auth.login(request.body.email, request.body.password, clientContext(request, settings));
      return sendLogin(reply, settings, issued);
    },
  );

  app.post<{ Body: LoginMfaBody }>(
    '/v1/login/mfa',
    {
      config: { rateBucket: 'login' },
      schema: { tags: ['sessions', 'mfa'], body: LoginMfaBody, response: { 200: LoginReply, ...errorReplies(400, 401, 403, 409, 413, 415, 429, 503) } },
    },
    async (request, reply) => {
      assertSameOrAllowedOrigin(request, settings.allowedOrigins);
      const { challenge, ...factor } = request.body;
      const issued = await auth.loginWithSecondFactor(challenge, factor, clientContext(request, settings));
      return sendLogin(reply, settings, issued);
    },
  );

  app.post<{ Body: PasswordChangeBody }>(
    '/v1/password',
    {
      config: { rateBucket: 'password' },
      schema: { tags: ['accounts'], body: PasswordChangeBody, response: { 204: { type: 'null' }, ...errorReplies(400, 401, 403, 413, 415, 429, 503) } },
    },
    async (request, reply) => {
      const { view, context } = await authenticateSession(request, auth, settings);
      await auth.changePassword(view, request.body.currentPassword, request.body.newPassword, context);
      return reply.code(204).send();
    },
  );
}

function sendLogin(reply: FastifyReply, settings: RouteSettings, issued: IssuedSession) {
  setSessionCookie(reply, settings, issued);
  setDeviceCookie(reply, settings, issued.deviceId);
  return presentLogin(issued);
}

function setSessionCookie(reply: FastifyReply, settings: RouteSettings, issued: IssuedSession): void {
  const maxAge = Math.max(0, Math.floor((issued.session.expiresAt - Date.now()) / 1000));
  reply.setCookie(settings.cookieName, issued.sessionToken, {
    httpOnly: true,
    secure: settings.cookieSecure,
    sameSite: 'lax',
    path: '/',
    maxAge,
  });
}
