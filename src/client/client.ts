import type {
  AccessToken,
  LoginOutcome,
  MfaProof,
  MfaRequired,
  PasswordChange,
  Registration,
  SessionInfo,
  User,
} from './api-types.js';
import { createAdminClient, type AdminClient } from './admin-client.js';
import { failure, success, type Result } from './result.js';
import { callJson, createTransport, type Exchange, type Transport, type TransportOptions } from './transport.js';

/**
 * A typed client for every public endpoint of astral-auth.
 *
 * ```ts
 * const astral = createClient({ baseUrl: 'https://auth.example.com' });
 * const login = await astral.login({ email, password });
 * if (!login.ok) return show(login.error.code);
 * if (login.data.status === 'mfa_required') return askForCode(login.data.challenge);
 * keepServerSide(login.data.sessionToken);
 * ```
 *
 * Calls that need a session take its credential: the session token, or an
 * access token where the README allows one. Leave it out in a browser to send
 * the session cookie instead.
 */
export interface AstralClient {
  register(input: Registration): Promise<Result<User>>;
  login(input: { email: string; password: string }): Promise<Result<LoginOutcome>>;
  completeMfa(proof: MfaProof): Promise<Result<LoginOutcome>>;
  session(token?: string): Promise<Result<SessionInfo>>;
  token(sessionToken?: string): Promise<Result<AccessToken>>;
  logout(sessionToken?: string): Promise<Result<void>>;
  logoutAll(sessionToken?: string): Promise<Result<void>>;
  changePassword(change: PasswordChange, sessionToken?: string): Promise<Result<void>>;
  /** The administrator calls, made with an administrator's session token. */
  admin(sessionToken: string): AdminClient;
}

export type ClientOptions = TransportOptions;

export function createClient(options: ClientOptions): AstralClient {
  const send = createTransport(options);
  const json = <T>(exchange: Exchange, pick: (body: any) => T) => callJson(send, exchange, pick);
  const empty = (exchange: Exchange) => callJson(send, exchange, () => undefined);

  return {
    register: (input) => json({ method: 'POST', path: '/v1/register', body: input }, (body) => body.user),
    login: (input) => callLogin(send, { method: 'POST', path: '/v1/login', body: input }),
    completeMfa: (proof) => callLogin(send, { method: 'POST', path: '/v1/login/mfa', body: proof }),
    session: (token) => json({ method: 'GET', path: '/v1/session', token }, (body) => body),
    token: (token) => json({ method: 'POST', path: '/v1/token', token }, (body) => body),
    logout: (token) => empty({ method: 'POST', path: '/v1/logout', token }),
    logoutAll: (token) => empty({ method: 'POST', path: '/v1/logout-all', token }),
    changePassword: (change, token) => empty({ method: 'POST', path: '/v1/password', token, body: change }),
    admin: (token) => createAdminClient(send, token),
  };
}

/** A login answers with a session, or (for an account with a second factor) a challenge. */
async function callLogin(send: Transport, exchange: Exchange): Promise<Result<LoginOutcome>> {
  const answer = await send(exchange);
  if (!answer.ok) return answer;

  const body = answer.data.body as Record<string, unknown>;
  if (isMfaRequired(body)) return success<MfaRequired>({ status: 'mfa_required', challenge: body.challenge as string });
  if (typeof body.sessionToken !== 'string') return failure('invalid_response', 'the login answer has no session', 502);
  return success({ status: 'authenticated', ...(body as object) } as LoginOutcome);
}

function isMfaRequired(body: Record<string, unknown>): boolean {
  return typeof body.challenge === 'string' && (body.status === 'mfa_required' || body.mfaRequired === true);
}
