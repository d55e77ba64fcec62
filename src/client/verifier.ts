import type { Result } from './result.js';
import type { Revocation } from './revocation-list.js';
import { StreamedVerifier } from './streamed-verifier.js';
import { createTokenCheck, type CheckToken } from './token-signature.js';
import { serviceUrl } from './transport.js';

/**
 * Verifies astral-auth access tokens inside the app, with no call to the
 * service per request: signature against the service's JWKS (fetched, cached,
 * fetched again for an unknown key id, so key rotation just works), then
 * issuer, audience, `typ: at+jwt`, EdDSA or ES256 only, expiry with a bounded
 * clock tolerance; then the revocations the service streams to it.
 *
 * ```ts
 * const verifier = createVerifier({
 *   baseUrl: 'https://auth.internal', issuer: 'astral-auth', audience: 'astral-auth',
 *   revocations: { feedToken: process.env.ASTRAL_REVOCATION_FEED_TOKEN! },
 * });
 * const checked = await verifier.verify(accessToken);
 * if (!checked.ok) return reply401(checked.error.code);
 * ```
 *
 * Fail-closed: while the revocation stream is down (not yet connected, cut
 * off, or silent for three heartbeats) the verifier cannot know of a
 * revocation, so it asks the service (`GET /v1/session` with the token,
 * answers cached for `answerCacheMs`), or with `whenDown: 'reject'` refuses
 * every token. It never accepts on a signature alone unless `revocations` is
 * `false`, which states that tokens stay good until they expire.
 */
export interface VerifierOptions {
  /** The service: JWKS at `/.well-known/jwks.json`, feed at `/v1/revocations`, checks at `/v1/session`. */
  readonly baseUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly revocations: RevocationOptions | false;
  /** Seconds a token may be past `exp` or before `nbf` (default 30, at most 60). */
  readonly clockToleranceSeconds?: number;
  /** Least time between two JWKS fetches for an unknown key id (default 5000 ms). */
  readonly jwksCooldownMs?: number;
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch; tests pass a clock they control. */
  readonly now?: () => number;
}

export interface RevocationOptions {
  /** The service's ASTRAL_REVOCATION_FEED_TOKEN. */
  readonly feedToken: string;
  /** While the stream is down: ask the service (default) or refuse every token. */
  readonly whenDown?: 'ask-service' | 'reject';
  /** How long an answer of the service is reused (default 1000 ms, at most 5000). */
  readonly answerCacheMs?: number;
}

export interface AccessTokenClaims {
  readonly userId: string;
  readonly sessionId: string;
  readonly role: string;
  /** `iat` and `exp`, in seconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface Verifier {
  verify(token: string): Promise<Result<AccessTokenClaims>>;
  /** Resolves true once the revocation stream is live, false if it is not within `timeoutMs`. */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Called for every revocation the stream delivers (caches keyed by session use it). */
  onRevocation(listener: (revocation: Revocation) => void): () => void;
  readonly streamLive: boolean;
  close(): void;
}

const MAX_CLOCK_TOLERANCE_SECONDS = 60;
const MAX_ANSWER_CACHE_MS = 5_000;

export function createVerifier(options: VerifierOptions): Verifier {
  const settings = checkOptions(options);
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = new URL(options.baseUrl);
  const checkToken = createTokenCheck({
    jwksUrl: serviceUrl(base, '/.well-known/jwks.json'),
    issuer: options.issuer,
    audience: options.audience,
    toleranceSeconds: settings.toleranceSeconds,
    jwksCooldownMs: options.jwksCooldownMs ?? 5_000,
    fetch: fetchFn,
    now: options.now ?? Date.now,
  });
  if (options.revocations === false) return signatureOnly(checkToken);

  return new StreamedVerifier({
    checkToken,
    feedUrl: serviceUrl(base, '/v1/revocations'),
    sessionUrl: serviceUrl(base, '/v1/session'),
    fetch: fetchFn,
    options: options.revocations,
    answerCacheMs: settings.answerCacheMs,
  });
}

interface Settings {
  readonly toleranceSeconds: number;
  readonly answerCacheMs: number;
}

function checkOptions(options: VerifierOptions): Settings {
  const toleranceSeconds = options.clockToleranceSeconds ?? 30;
  if (!(toleranceSeconds >= 0 && toleranceSeconds <= MAX_CLOCK_TOLERANCE_SECONDS)) {
    throw new TypeError(`clockToleranceSeconds: expected 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}, got ${toleranceSeconds}`);
  }
  const answerCacheMs = options.revocations === false ? 0 : (options.revocations.answerCacheMs ?? 1_000);
  if (!(answerCacheMs >= 0 && answerCacheMs <= MAX_ANSWER_CACHE_MS)) {
    throw new TypeError(`revocations.answerCacheMs: expected 0 to ${MAX_ANSWER_CACHE_MS}, got ${answerCacheMs}`);
  }
  if (!URL.canParse(options.baseUrl)) throw new TypeError('baseUrl: expected an absolute URL');
  return { toleranceSeconds, answerCacheMs };
}

function signatureOnly(checkToken: CheckToken): Verifier {
  return {
    verify: checkToken,
    ready: async () => true,
    onRevocation: () => () => undefined,
    streamLive: false,
    close: () => undefined,
  };
}
