import type { MfaProof } from './api-types.js';
import { createClient, type AstralClient } from './client.js';
import type { Result } from './result.js';
import type { TransportOptions } from './transport.js';
import type { Verifier } from './verifier.js';

/**
 * The Auth.js (NextAuth v5) bridge: a Credentials provider whose `authorize()`
 * logs in through astral-auth, and the two callbacks that keep the astral
 * session in the Auth.js JWT and end it when astral-auth ends it. Pages that
 * read `auth()` keep working; only the provider and the callbacks change.
 *
 * ```ts
 * import NextAuth from 'next-auth';
 * import Credentials from 'next-auth/providers/credentials';
 * const astral = { baseUrl: process.env.ASTRAL_URL! };
 * export const { handlers, auth, signIn, signOut } = NextAuth({
 *   providers: [Credentials(astralCredentials(astral))],
 *   callbacks: astralCallbacks(astral),
 * });
 * ```
 *
 * The Auth.js JWT is encrypted by Auth.js; the astral session token rides in
 * it so the access token can be renewed and the session ended on sign-out.
 * Nothing here imports Auth.js: the shapes are Auth.js's, checked by a test.
 */
export interface AstralSessionFields {
  readonly sessionId: string;
  readonly sessionToken: string;
  readonly accessToken: string;
  readonly accessTokenExpiresAt: string;
}

export interface AstralAuthUser {
  id: string;
  email: string;
  name: string | null;
  image: string | null;
  role: string;
  astral: AstralSessionFields;
}

export interface AstralCredentialsOptions extends TransportOptions {
  readonly id?: string;
  readonly name?: string;
  /**
   * The password was right and the account has a second factor. Keep the
   * challenge server-side (an HttpOnly cookie, say; never the URL), ask for
   * the code, then sign in again with `{challenge, code}` or
   * `{challenge, recoveryCode}`. `authorize` answers null meanwhile.
   */
  readonly onMfaRequired?: (challenge: string, request: Request) => void | Promise<void>;
}

type Fields = Partial<Record<string, unknown>>;

export function astralCredentials(options: AstralCredentialsOptions) {
  const client = createClient(options);
  return {
    id: options.id ?? 'astral',
    name: options.name ?? 'astral-auth',
    type: 'credentials' as const,
    credentials: {
      email: { label: 'Email', type: 'email', autocomplete: 'username' },
      password: { label: 'Password', type: 'password', autocomplete: 'current-password' },
    },
    async authorize(fields: Fields, request: Request): Promise<AstralAuthUser | null> {
      const outcome = await signInWith(client, fields);
      if (!outcome?.ok) return null;
      if (outcome.data.status === 'mfa_required') {
        await options.onMfaRequired?.(outcome.data.challenge, request);
        return null;
      }
      const { user, session, sessionToken, accessToken, accessTokenExpiresAt } = outcome.data;
      const astral = { sessionId: session.id, sessionToken, accessToken, accessTokenExpiresAt };
      return { id: user.id, email: user.email, name: user.name, image: user.image, role: user.role, astral };
    },
  };
}

function signInWith(client: AstralClient, fields: Fields): Promise<Awaited<ReturnType<AstralClient['login']>>> | undefined {
  const text = (name: string) => (typeof fields[name] === 'string' && fields[name] !== '' ? (fields[name] as string) : undefined);
  const [email, password, challenge, code, recoveryCode] = ['email', 'password', 'challenge', 'code', 'recoveryCode'].map(text);
  if (challenge !== undefined && (code ?? recoveryCode) !== undefined) {
    const proof: MfaProof = code !== undefined ? { challenge, code } : { challenge, recoveryCode: recoveryCode! };
    return client.completeMfa(proof);
  }
  if (email !== undefined && password !== undefined) return client.login({ email, password });
  return undefined;
}

export interface AstralCallbacksOptions extends TransportOptions {
  /** With a verifier, a revoked astral session ends the Auth.js session at its next read. */
  readonly verifier?: Verifier;
  /** Renew the access token when it has less than this left (default 60 s). */
  readonly renewBeforeMs?: number;
}

interface JwtLike {
  sub?: string;
  role?: string;
  astral?: AstralSessionFields;
  [claim: string]: unknown;
}

export function astralCallbacks(options: AstralCallbacksOptions) {
  const client = createClient(options);
  const renewBeforeMs = options.renewBeforeMs ?? 60_000;

  return {
    async jwt<T extends JwtLike>({ token, user }: { token: T; user?: unknown }): Promise<T | null> {
      if (isAstralUser(user)) return { ...token, sub: user.id, role: user.role, astral: user.astral };
      if (token.astral === undefined) return token;

      const astral = await renewIfDue(client, token.astral, renewBeforeMs);
      if (astral === null) return null;
      if (options.verifier && (await isRefused(options.verifier.verify(astral.accessToken)))) return null;
      return { ...token, astral };
    },
    async session<S extends { user?: object }>({ session, token }: { session: S; token: JwtLike }): Promise<S> {
      if (token.sub === undefined) return session;
      return { ...session, user: { ...session.user, id: token.sub, role: token.role } };
    },
  };
}

/** The fields with a fresh access token, the same ones, or null when astral-auth ended the session. */
async function renewIfDue(client: AstralClient, astral: AstralSessionFields, renewBeforeMs: number) {
  if (Date.parse(astral.accessTokenExpiresAt) - Date.now() > renewBeforeMs) return astral;

  const minted = await client.token(astral.sessionToken);
  if (minted.ok) return { ...astral, ...minted.data };
  return minted.error.status === 401 ? null : astral;
}

async function isRefused(result: Promise<Result<unknown>>): Promise<boolean> {
  const checked = await result;
  return !checked.ok && checked.error.status === 401;
}

function isAstralUser(user: unknown): user is AstralAuthUser {
  return typeof user === 'object' && user !== null && 'astral' in user;
}

/** Auth.js `events`: signing out of the app ends the astral session too. */
export function astralEvents(options: TransportOptions) {
  const client = createClient(options);
  return {
    async signOut(message: { token?: JwtLike | null } | { session?: unknown }): Promise<void> {
      const astral = 'token' in message ? message.token?.astral : undefined;
      if (astral !== undefined) await client.logout(astral.sessionToken);
    },
  };
}
