import * as jose from 'jose';
import { failure, success, type Result } from './result.js';
import { RevocationList, type Revocation, type TokenFacts } from './revocation-list.js';
import { RevocationStream, type Hello } from './revocation-stream.js';
import { TokenCache } from './token-cache.js';
import { VerifiedTokens } from './verified-tokens.js';

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

const ALGORITHMS = ['EdDSA', 'ES256'];
const ACCESS_TOKEN_TYPE = 'at+jwt';
const MAX_CLOCK_TOLERANCE_SECONDS = 60;
const MAX_ANSWER_CACHE_MS = 5_000;
// Clocks of the instances that issue tokens and publish revocations may differ this much.
const INSTANCE_SKEW_MS = 2_000;
const LONGEST_TOKEN_LIFETIME_MS = 3_600_000;
const MAX_REVOCATIONS = 200_000;
const VERIFIED_TOKENS = 10_000;

export function createVerifier(options: VerifierOptions): Verifier {
  const settings = checkOptions(options);
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  const base = new URL(options.baseUrl);
  const keys = jose.createRemoteJWKSet(serviceUrl(base, '/.well-known/jwks.json'), {
    cooldownDuration: options.jwksCooldownMs ?? 5_000,
    [jose.customFetch]: fetchFn,
  });
  const verifySignature = async (token: string) =>
    jose.jwtVerify(token, keys, {
      algorithms: ALGORITHMS,
      issuer: options.issuer,
      audience: options.audience,
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: settings.toleranceSeconds,
      currentDate: new Date(now()),
      requiredClaims: ['sub', 'sid', 'role', 'iat', 'exp'],
    });

  const verified = new VerifiedTokens(VERIFIED_TOKENS, settings.toleranceSeconds * 1000);
  const checkToken: CheckToken = async (token) => {
    const known = verified.get(token, now());
    if (known !== undefined) return success(known);
    const checked = await checkSignature(verifySignature, token);
    if (checked.ok) verified.remember(token, checked.data);
    return checked;
  };

  if (options.revocations === false) return signatureOnly(checkToken);
  return new StreamedVerifier(checkToken, base, fetchFn, options.revocations, settings);
}

type VerifySignature = (token: string) => Promise<jose.JWTVerifyResult>;
type CheckToken = (token: string) => Promise<Result<AccessTokenClaims>>;

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

class StreamedVerifier implements Verifier {
  private readonly list = new RevocationList({
    retentionMs: LONGEST_TOKEN_LIFETIME_MS + MAX_CLOCK_TOLERANCE_SECONDS * 1000 + INSTANCE_SKEW_MS,
    skewMs: INSTANCE_SKEW_MS,
    maxEntries: MAX_REVOCATIONS,
  });
  private readonly answers: TokenCache<boolean>;
  private readonly listeners = new Set<(revocation: Revocation) => void>();
  private readonly waiters = new Set<(live: boolean) => void>();
  private readonly stream: RevocationStream;
  private live = false;

  constructor(
    private readonly checkToken: CheckToken,
    private readonly base: URL,
    private readonly fetchFn: typeof fetch,
    private readonly options: RevocationOptions,
    settings: Settings,
  ) {
    this.answers = new TokenCache(settings.answerCacheMs, 10_000);
    this.stream = new RevocationStream({
      url: serviceUrl(base, '/v1/revocations'),
      feedToken: options.feedToken,
      fetch: fetchFn,
      handlers: {
        hello: (hello) => this.takeHello(hello),
        revocation: (data) => this.takeRevocation(data as Revocation),
        heartbeat: (serverNow) => this.takeHeartbeat(serverNow),
        live: (live) => this.setLive(live),
        refused: () => undefined,
      },
    });
    this.stream.start();
  }

  get streamLive(): boolean {
    return this.live;
  }

  async verify(token: string): Promise<Result<AccessTokenClaims>> {
    const checked = await this.checkToken(token);
    if (!checked.ok) return checked;

    const claims = checked.data;
    const facts = { sessionId: claims.sessionId, userId: claims.userId, issuedAt: claims.issuedAt };
    const standing = this.list.standing(facts);
    if (standing === 'revoked') return revoked();
    if (!this.live) return this.whenDown(token, claims);
    if (standing === 'clear') return checked;
    return this.checkOnce(token, facts, claims);
  }

  ready(timeoutMs = 5_000): Promise<boolean> {
    if (this.live) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (live: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(live);
      };
      this.waiters.add(done);
    });
  }

  onRevocation(listener: (revocation: Revocation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.stream.close();
    this.setLive(false);
    for (const waiter of [...this.waiters]) waiter(false);
  }

  private async whenDown(token: string, claims: AccessTokenClaims): Promise<Result<AccessTokenClaims>> {
    if (this.options.whenDown === 'reject') {
      return failure('revocation_unavailable', 'the revocation stream is down; tokens are refused until it is back', 503);
    }
    const live = await this.askService(token);
    if (!live.ok) return live;
    return live.data ? success(claims) : revoked();
  }

  /** A token the stream alone cannot judge: the service's answer decides, and is remembered. */
  private async checkOnce(token: string, facts: TokenFacts, claims: AccessTokenClaims): Promise<Result<AccessTokenClaims>> {
    const position = this.list.position;
    const live = await this.askService(token);
    if (!live.ok) return live;
    if (!live.data) return revoked();

    this.list.confirmLive(facts, position);
    return success(claims);
  }

  /** `GET /v1/session` with the access token: true when its session is live. */
  private async askService(token: string): Promise<Result<boolean>> {
    const cached = await this.answers.get(token);
    if (cached !== undefined) return success(cached);

    let response: Response;
    try {
      response = await this.fetchFn(serviceUrl(this.base, '/v1/session'), {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(2_000),
      });
      await response.body?.cancel();
    } catch {
      return failure('revocation_unavailable', 'neither the revocation stream nor the service can be reached', 503);
    }
    if (response.status !== 200 && response.status !== 401) {
      return failure('revocation_unavailable', `the service answered ${response.status} to a session check`, 503);
    }
    await this.answers.set(token, response.status === 200);
    return success(response.status === 200);
  }

  private takeHello(hello: Hello): void {
    this.list.observe(hello.now);
    this.list.setRetention(hello.accessTokenTtlMs + MAX_CLOCK_TOLERANCE_SECONDS * 1000 + INSTANCE_SKEW_MS);
    if (hello.replay !== 'complete') this.list.markSuspect(hello.now);
  }

  private takeRevocation(revocation: Revocation): void {
    this.list.add(revocation);
    this.answers.clear();
    for (const listener of this.listeners) listener(revocation);
  }

  private takeHeartbeat(serverNow: number): void {
    this.list.observe(serverNow);
    this.list.prune();
  }

  private setLive(live: boolean): void {
    if (live === this.live) return;
    this.live = live;
    if (live) for (const waiter of [...this.waiters]) waiter(true);
  }
}

async function checkSignature(verifySignature: VerifySignature, token: string): Promise<Result<AccessTokenClaims>> {
  try {
    const { payload } = await verifySignature(token);
    return success(toClaims(payload));
  } catch (error) {
    return signatureFailure(error);
  }
}

function toClaims(payload: jose.JWTPayload): AccessTokenClaims {
  const { sub, sid, role, iat, exp } = payload;
  if (typeof sid !== 'string' || typeof role !== 'string') throw new jose.errors.JWTClaimValidationFailed('sid and role must be strings', payload);
  return { userId: sub as string, sessionId: sid, role, issuedAt: iat as number, expiresAt: exp as number };
}

function signatureFailure(error: unknown): Result<never> {
  if (error instanceof jose.errors.JWTExpired) return failure('token_expired', 'the access token has expired', 401);
  if (error instanceof jose.errors.JWKSTimeout || !(error instanceof jose.errors.JOSEError)) {
    return failure('network_error', 'the signing keys of the service could not be fetched', 503);
  }
  return failure('token_invalid', `the access token was refused (${error.code})`, 401);
}

function revoked(): Result<never> {
  return failure('token_revoked', 'the session of this access token has ended', 401);
}

function serviceUrl(base: URL, path: string): URL {
  return new URL(base.pathname.replace(/\/$/, '') + path, base);
}
