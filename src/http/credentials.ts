import type { FastifyRequest } from 'fastify';
import { InvalidSession } from '../domain/errors.js';

/**
 * Where a request's credential came from. A cookie rides along on cross-site
 * requests by itself, so cookie-authenticated state changes get an origin
 * check; a bearer token has to be attached on purpose, so it needs none.
 */
export type Credential =
  | { readonly kind: 'session_token'; readonly token: string; readonly via: 'cookie' | 'bearer' }
  | { readonly kind: 'access_token'; readonly token: string; readonly via: 'bearer' };

// The scheme name is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A present but malformed Authorization header is refused, never skipped in favour of a cookie. */
export function readCredential(request: FastifyRequest, cookieName: string): Credential {
  const header = request.headers.authorization;
  if (header !== undefined) return fromBearer(header);

  const cookie = request.cookies[cookieName];
  if (cookie) return { kind: 'session_token', token: cookie, via: 'cookie' };
  throw new InvalidSession();
}

function fromBearer(header: string): Credential {
  const token = BEARER.exec(header)?.[1];
  if (!token) throw new InvalidSession();
  if (JWT_SHAPE.test(token)) return { kind: 'access_token', token, via: 'bearer' };
  return { kind: 'session_token', token, via: 'bearer' };
}
