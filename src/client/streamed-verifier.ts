import { failure, success, type Result } from './result.js';
import { RevocationList, type Revocation, type TokenFacts } from './revocation-list.js';
import { RevocationStream, type Hello } from './revocation-stream.js';
import type { CheckToken } from './token-signature.js';
import { TokenCache } from './token-cache.js';
import type { AccessTokenClaims, RevocationOptions, Verifier } from './verifier.js';

/**
 * The verifier with the revocation stream: a signature-checked token is then
 * judged by what the stream said, by the service when the stream cannot
 * tell, and refused when neither can be heard (see verifier.ts).
 */
const MAX_CLOCK_TOLERANCE_MS = 60_000;
// Clocks of the instances that issue tokens and publish revocations may differ this much.
const INSTANCE_SKEW_MS = 2_000;
const LONGEST_TOKEN_LIFETIME_MS = 3_600_000;
const MAX_REVOCATIONS = 200_000;
const ANSWER_CACHE_ENTRIES = 10_000;

export interface StreamedVerifierDeps {
  readonly checkToken: CheckToken;
  readonly feedUrl: URL;
  readonly sessionUrl: URL;
  readonly fetch: typeof fetch;
  readonly options: RevocationOptions;
  readonly answerCacheMs: number;
}

export class StreamedVerifier implements Verifier {
  private readonly list = new RevocationList({
    retentionMs: LONGEST_TOKEN_LIFETIME_MS + MAX_CLOCK_TOLERANCE_MS + INSTANCE_SKEW_MS,
    skewMs: INSTANCE_SKEW_MS,
    maxEntries: MAX_REVOCATIONS,
  });
  private readonly answers: TokenCache<boolean>;
  private readonly listeners = new Set<(revocation: Revocation) => void>();
  private readonly waiters = new Set<(live: boolean) => void>();
  private readonly stream: RevocationStream;
  private live = false;

  constructor(private readonly deps: StreamedVerifierDeps) {
    this.answers = new TokenCache(deps.answerCacheMs, ANSWER_CACHE_ENTRIES);
    this.stream = new RevocationStream({
      url: deps.feedUrl,
      feedToken: deps.options.feedToken,
      fetch: deps.fetch,
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
    const checked = await this.deps.checkToken(token);
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
    if (this.deps.options.whenDown === 'reject') {
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
      response = await this.deps.fetch(this.deps.sessionUrl, {
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
    this.list.setRetention(hello.accessTokenTtlMs + MAX_CLOCK_TOLERANCE_MS + INSTANCE_SKEW_MS);
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

function revoked(): Result<never> {
  return failure('token_revoked', 'the session of this access token has ended', 401);
}

