import type { AccessTokenClaims } from './verifier.js';

/**
 * Tokens whose signature and claims were already checked, so the next
 * request with the same token skips the signature: a JWT cannot change, so
 * what its signature proved stays proved. Expiry is still checked on every
 * use, and revocations are judged afresh each time by the caller. The key is
 * the whole token (R38). Bounded: the oldest entry goes first.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, AccessTokenClaims>();

  constructor(
    private readonly maxEntries: number,
    private readonly toleranceMs: number,
  ) {}

  /** The claims of a token checked before and not yet expired at `now`. */
  get(token: string, now: number): AccessTokenClaims | undefined {
    const claims = this.entries.get(token);
    if (claims === undefined) return undefined;
    if (claims.expiresAt * 1000 + this.toleranceMs > now) return claims;

    this.entries.delete(token);
    return undefined;
  }

  remember(token: string, claims: AccessTokenClaims): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, claims);
  }
}
