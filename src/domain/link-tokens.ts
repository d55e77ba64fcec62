import { createHash, randomBytes } from 'node:crypto';

/**
 * The secrets that travel in mailed links: 256 bits from the CSPRNG behind a
 * prefix secret scanners can match. Like session tokens, only their SHA-256
 * is stored, so a copy of the database holds no working link. Each is bound
 * to one purpose, one user and the address it was mailed to, and is used once.
 */
export type LinkPurpose = 'verify_email' | 'reset_password' | 'change_email';

export const LINK_TOKEN_PREFIX = 'asl_';
const TOKEN_SHAPE = /^asl_[A-Za-z0-9_-]{43}$/;

export function createLinkToken(): string {
  return LINK_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function isLinkTokenShaped(candidate: string): boolean {
  return TOKEN_SHAPE.test(candidate);
}

export function hashLinkToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** What the page behind a link posts the token to; it reads the action from the fragment. */
export const LINK_ACTIONS: Readonly<Record<LinkPurpose, string>> = {
  verify_email: 'verify-email',
  reset_password: 'reset-password',
  change_email: 'confirm-email-change',
};

/**
 * The link a mail carries. The token rides in the fragment, which browsers
 * never send to a server: it stays out of access logs, proxies and Referer
 * headers (ASVS 14.2.1); the app's page reads it and posts it to the API.
 */
export function linkUrl(base: string, purpose: LinkPurpose, token: string): string {
  return `${base}#action=${LINK_ACTIONS[purpose]}&token=${token}`;
}

/**
 * The link base for a request: the first allowed base by default, otherwise
 * the requested one if it is in the list exactly as written. No prefix,
 * pattern or host-only match: those are what open redirects are made of.
 */
export function chooseLinkBase(allowed: readonly string[], requested: string | undefined): string | undefined {
  if (requested === undefined) return allowed[0];
  return allowed.includes(requested) ? requested : undefined;
}
