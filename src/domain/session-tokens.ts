import { hash, randomBytes } from 'node:crypto';

/**
 * Opaque session tokens: 256 bits from the CSPRNG, base64url, behind a prefix
 * that secret scanners can match. Only the SHA-256 of a token is stored, so a
 * read of the database yields nothing that logs anybody in.
 */
export const SESSION_TOKEN_PREFIX = 'ast_';
const TOKEN_BYTES = 32;
const ENCODED_LENGTH = 43;
const TOKEN_SHAPE = /^ast_[A-Za-z0-9_-]{43}$/;

export function createSessionToken(): string {
  return SESSION_TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
}

export function isSessionTokenShaped(candidate: string): boolean {
  return candidate.length === SESSION_TOKEN_PREFIX.length + ENCODED_LENGTH && TOKEN_SHAPE.test(candidate);
}

/**
 * SHA-256 of the whole token (ASVS: cache keys never cross between users), in
 * base64: one form for the caches' keys and the views they hold. The stores
 * keep the 32 raw bytes.
 */
export function hashSessionToken(token: string): string {
  // The one-shot form: no Hash object per request on the validation path.
  return hash('sha256', token, 'base64');
}

/** Public identifier of a session: safe to show, useless to authenticate with. */
export function createSessionId(): string {
  return randomBytes(16).toString('base64url');
}
