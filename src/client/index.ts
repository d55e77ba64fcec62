/**
 * `astral-auth/client`: what an app imports to use astral-auth. It reaches no
 * server code (no Fastify, database driver or Node-only module), so it runs
 * in Node.js, browsers and edge runtimes; a test holds it to that.
 */
export { createClient, type AstralClient, type ClientOptions } from './client.js';
export type { AdminClient } from './admin-client.js';
export type * from './api-types.js';
export { failure, success, type ApiError, type ClientErrorCode, type ErrorCode, type Result, type ServiceErrorCode } from './result.js';
export {
  createVerifier,
  type AccessTokenClaims,
  type RevocationOptions,
  type Verifier,
  type VerifierOptions,
} from './verifier.js';
export type { Revocation } from './revocation-list.js';
export { createAuthenticator, type Authenticated, type Authenticator, type AuthenticatorOptions, type RequestHeaders } from './authenticator.js';
export { readCredential, SESSION_COOKIE_NAMES, type AppCredential } from './credentials.js';
