/**
 * Finding the caller's credential in a request to the app, the way the
 * service does: a present Authorization header decides (a malformed one is
 * refused, never passed over for a cookie); otherwise the session cookie.
 * A JWT is an access token; anything else is taken for a session token.
 */
export type AppCredential =
  | { readonly kind: 'access_token'; readonly token: string; readonly via: 'bearer' }
  | { readonly kind: 'session_token'; readonly token: string; readonly via: 'bearer' | 'cookie' };

export type CredentialReading = AppCredential | 'missing' | 'malformed';

/** Production sets the `__Host-` one; plain-HTTP development the other. */
export const SESSION_COOKIE_NAMES = ['__Host-astral_session', 'astral_session'] as const;

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function readCredential(
  authorization: string | null | undefined,
  cookieHeader: string | null | undefined,
  cookieNames: readonly string[] = SESSION_COOKIE_NAMES,
): CredentialReading {
  if (authorization !== undefined && authorization !== null) return fromBearer(authorization);

  const cookie = findCookie(cookieHeader ?? '', cookieNames);
  return cookie === undefined ? 'missing' : { kind: 'session_token', token: cookie, via: 'cookie' };
}

function fromBearer(header: string): CredentialReading {
  const token = BEARER.exec(header)?.[1];
  if (token === undefined) return 'malformed';
  if (JWT_SHAPE.test(token)) return { kind: 'access_token', token, via: 'bearer' };
  return { kind: 'session_token', token, via: 'bearer' };
}

function findCookie(header: string, names: readonly string[]): string | undefined {
  const found = new Map<string, string>();
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals === -1) continue;
    const name = pair.slice(0, equals).trim();
    if (names.includes(name) && !found.has(name)) found.set(name, pair.slice(equals + 1).trim());
  }
  const value = names.map((name) => found.get(name)).find((candidate) => candidate);
  return value === undefined ? undefined : safeDecode(value);
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
