import type { AuthConfig } from '@auth/core';
import Credentials from '@auth/core/providers/credentials';
import { astralCallbacks, astralCredentials, astralEvents } from 'astral-auth/authjs';
import { service, verifier } from './lib/astral.js';

/**
 * AstralField's Auth.js setup after the move: the Credentials provider logs
 * in through astral-auth, the callbacks keep the astral session in the
 * Auth.js JWT and end it when astral-auth ends it. With NextAuth v5:
 *
 *   export const { handlers, auth, signIn, signOut } = NextAuth(authConfig);
 *
 * (NextAuthConfig extends @auth/core's AuthConfig, which this file is checked against.)
 */
export const authConfig = {
  providers: [Credentials(astralCredentials({ baseUrl: service.baseUrl }))],
  callbacks: astralCallbacks({ baseUrl: service.baseUrl, verifier }),
  events: astralEvents({ baseUrl: service.baseUrl }),
  session: { strategy: 'jwt' },
} satisfies AuthConfig;
