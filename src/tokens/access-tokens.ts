import { createSigner } from 'fast-jwt';
import * as jose from 'jose';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../domain/ports.js';
import type { KeyRing, LoadedKey, SigningAlg } from './key-ring.js';

/**
 * Short-lived access tokens (RFC 9068 shape): a JWT carrying the user id, the
 * session id and the role, signed with the ring's current key. Signing is
 * fast-jwt's, synchronous over node:crypto (about 60 µs); jose signs through
 * WebCrypto, which queues each signature on libuv's thread pool behind the
 * password hashes of concurrent logins. Verification
 * follows RFC 8725: an allow-list of asymmetric algorithms, keys only from the
 * ring (never from `jwk`/`jku`/`x5u` headers), `typ`, `iss`, `aud`, `exp` and
 * `nbf` checked with at most 30 s of clock skew.
 */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
const ALGORITHMS: SigningAlg[] = ['EdDSA', 'ES256'];
const CLOCK_SKEW_SECONDS = 30;
const RELOAD_INTERVAL_MS = 5_000;

export interface AccessClaims {
  readonly userId: string;
  readonly sessionId: string;
  readonly role: string;
  readonly expiresAt: number;
}

export interface AccessTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlMs: number;
  readonly alg: SigningAlg;
}

interface VerifiedToken {
  readonly claims: AccessClaims;
  readonly kid: string;
}

export class AccessTokens {
  private lastReload = 0;
  private readonly signers = new WeakMap<LoadedKey, (claims: Record<string, unknown>) => string>();
  // Signature checks cost ~150 µs; a token seen before is looked up by its whole text (R38).
  private readonly verified: LRUCache<string, VerifiedToken>;

  constructor(
    private readonly ring: KeyRing,
    private readonly settings: AccessTokenSettings,
    private readonly clock: Clock,
    cacheEntries = 100_000,
  ) {
    this.verified = new LRUCache({ max: cacheEntries });
  }

  issue(claims: Omit<AccessClaims, 'expiresAt'>): { token: string; expiresAt: number } {
    const now = this.clock.now();
    const expiresAt = now + this.settings.ttlMs;
    const token = this.signerFor(this.ring.signingKey(now))({
      sub: claims.userId,
      sid: claims.sessionId,
      role: claims.role,
      iss: this.settings.issuer,
      aud: this.settings.audience,
      iat: Math.floor(now / 1000),
      exp: Math.floor(expiresAt / 1000),
    });
    return { token, expiresAt };
  }

  private signerFor(key: LoadedKey): (claims: Record<string, unknown>) => string {
    let signer = this.signers.get(key);
    if (!signer) {
      // Every claim, iat and exp included, comes from the payload: the service's clock decides them.
      signer = createSigner({ key: key.privatePem, algorithm: key.alg, kid: key.kid, header: { alg: key.alg, typ: ACCESS_TOKEN_TYPE } });
      this.signers.set(key, signer);
    }
    return signer;
  }

  /** The token's claims, or undefined for any token this service would not accept. */
  async verify(token: string): Promise<AccessClaims | undefined> {
    const known = this.verified.get(token);
    if (known) return this.stillValid(known) ? known.claims : undefined;

    const checked = await this.verifySignature(token);
    if (checked) this.verified.set(token, checked);
    return checked?.claims;
  }

  /** A cached verification holds until expiry, and only while its key is still published. */
  private stillValid({ claims, kid }: VerifiedToken): boolean {
    const now = this.clock.now();
    return now < claims.expiresAt + CLOCK_SKEW_SECONDS * 1000 && this.ring.verificationKey(kid, now) !== undefined;
  }

  private async verifySignature(token: string): Promise<VerifiedToken | undefined> {
    try {
      const { payload, protectedHeader } = await jose.jwtVerify(token, (header) => this.keyFor(header), {
        algorithms: ALGORITHMS,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: ACCESS_TOKEN_TYPE,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const claims = toClaims(payload);
      return claims && { claims, kid: protectedHeader.kid ?? '' };
    } catch {
      return undefined;
    }
  }

  private async keyFor(header: jose.JWTHeaderParameters): Promise<jose.CryptoKey> {
    const kid = header.kid ?? '';
    const found = this.ring.verificationKey(kid, this.clock.now()) ?? (await this.reloadFor(kid));
    if (!found || found.alg !== header.alg) throw new jose.errors.JWKSNoMatchingKey();
    return found.publicKey;
  }

  // Another instance may have rotated: look once more, at most every few seconds.
  private async reloadFor(kid: string) {
    const now = this.clock.now();
    if (now - this.lastReload < RELOAD_INTERVAL_MS) return undefined;

    this.lastReload = now;
    await this.ring.load(this.settings.alg, now);
    return this.ring.verificationKey(kid, now);
  }
}

function toClaims(payload: jose.JWTPayload): AccessClaims | undefined {
  const { sub, sid, role, exp } = payload;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof role !== 'string') return undefined;
  return { userId: sub, sessionId: sid, role, expiresAt: (exp ?? 0) * 1000 };
}
