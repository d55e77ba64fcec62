import type { User } from './api-types.js';
import { createClient, type AstralClient } from './client.js';
import { readCredential, SESSION_COOKIE_NAMES, type AppCredential } from './credentials.js';
import { failure, success, type Result } from './result.js';
import type { Revocation } from './revocation-list.js';
import { TokenCache } from './token-cache.js';
import type { TransportOptions } from './transport.js';
import type { Verifier } from './verifier.js';

/**
 * What the framework middleware share: given a request's Authorization and
 * Cookie headers, who is calling.
 *
 * - An access token (Bearer JWT) is verified here by the verifier: no call to
 *   the service, revocations arrive on its stream.
 * - A session token (cookie or Bearer `ast_…`) is opaque: the service is
 *   asked (`GET /v1/session`), and its answer is reused for at most
 *   `sessionCacheMs` (2 s at most, 1 s by default), keyed by the SHA-256 of
 *   the whole token. A revocation from the verifier's stream drops the cached
 *   answers of that session or user at once; without a verifier a revoked
 *   session can be taken for live for up to `sessionCacheMs`.
 */
export interface AuthenticatorOptions extends TransportOptions {
  /** Verifies access tokens locally; without one, access tokens are checked with the service too. */
  readonly verifier?: Verifier;
  readonly sessionCacheMs?: number;
  readonly cookieNames?: readonly string[];
}

export interface Authenticated {
  readonly via: 'access_token' | 'session_token';
  readonly user: { readonly id: string; readonly role: string };
  readonly session: { readonly id: string };
  /** The whole user record, when the service was asked (session tokens, or no verifier). */
  readonly profile: User | null;
}

export interface RequestHeaders {
  readonly authorization?: string | null | undefined;
  readonly cookie?: string | null | undefined;
}

export interface Authenticator {
  authenticate(headers: RequestHeaders): Promise<Result<Authenticated>>;
  /** The typed client on the same service, for login, logout and the rest. */
  readonly client: AstralClient;
  close(): void;
}

const MAX_SESSION_CACHE_MS = 2_000;
const SESSION_CACHE_ENTRIES = 10_000;

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const ttl = options.sessionCacheMs ?? 1_000;
  if (!(ttl >= 0 && ttl <= MAX_SESSION_CACHE_MS)) {
    throw new TypeError(`sessionCacheMs: expected 0 to ${MAX_SESSION_CACHE_MS}, got ${ttl}`);
  }
  const client = createClient(options);
  const answers = new TokenCache<Result<Authenticated>>(ttl, SESSION_CACHE_ENTRIES);
  const stopListening = options.verifier?.onRevocation((revocation) => answers.clear((answer) => touches(answer, revocation)));

  const askService = async (credential: AppCredential): Promise<Result<Authenticated>> => {
    const cached = await answers.get(credential.token);
    if (cached !== undefined) return cached;

    const answer = fromSession(credential, await client.session(credential.token));
    if (answer.ok || answer.error.status === 401) await answers.set(credential.token, answer);
    return answer;
  };

  return {
    client,
    async authenticate(headers) {
      const credential = readCredential(headers.authorization, headers.cookie, options.cookieNames ?? SESSION_COOKIE_NAMES);
      if (credential === 'missing') return failure('invalid_session', 'no session credential', 401);
      if (credential === 'malformed') return failure('invalid_session', 'the Authorization header is not a Bearer token', 401);
      if (credential.kind === 'access_token' && options.verifier) return verifyLocally(options.verifier, credential.token);
      return askService(credential);
    },
    close() {
      stopListening?.();
    },
  };
}

async function verifyLocally(verifier: Verifier, token: string): Promise<Result<Authenticated>> {
  const checked = await verifier.verify(token);
  if (!checked.ok) return checked;

  const { userId, role, sessionId } = checked.data;
  return success({ via: 'access_token', user: { id: userId, role }, session: { id: sessionId }, profile: null });
}

function fromSession(credential: AppCredential, answer: Awaited<ReturnType<AstralClient['session']>>): Result<Authenticated> {
  if (!answer.ok) return answer;

  const { user, session } = answer.data;
  return success({ via: credential.kind, user: { id: user.id, role: user.role }, session: { id: session.id }, profile: user });
}

function touches(answer: Result<Authenticated>, revocation: Revocation): boolean {
  if (!answer.ok) return false;
  if (revocation.kind === 'session') return answer.data.session.id === revocation.sessionId;
  return answer.data.user.id === revocation.userId && answer.data.session.id !== revocation.exceptSessionId;
}
