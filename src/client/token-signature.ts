import * as jose from 'jose';
import { failure, success, type Result } from './result.js';
import { VerifiedTokens } from './verified-tokens.js';
import type { AccessTokenClaims } from './verifier.js';

/**
 * The signature and claim checks of an access token (RFC 8725, RFC 9068):
 * keys only from the service's JWKS, EdDSA or ES256 only, `typ: at+jwt`,
 * issuer, audience, the claims astral-auth puts in, expiry with a bounded
 * clock tolerance. A token checked once is remembered until it expires.
 */
export type CheckToken = (token: string) => Promise<Result<AccessTokenClaims>>;

export interface SignatureSettings {
  readonly jwksUrl: URL;
  readonly issuer: string;
  readonly audience: string;
  readonly toleranceSeconds: number;
  readonly jwksCooldownMs: number;
  readonly fetch: typeof fetch;
  readonly now: () => number;
}

const ALGORITHMS = ['EdDSA', 'ES256'];
const ACCESS_TOKEN_TYPE = 'at+jwt';
const VERIFIED_TOKENS = 10_000;

export function createTokenCheck(settings: SignatureSettings): CheckToken {
  const keys = jose.createRemoteJWKSet(settings.jwksUrl, {
    cooldownDuration: settings.jwksCooldownMs,
    [jose.customFetch]: settings.fetch,
  });
  const verifySignature = (token: string) =>
    jose.jwtVerify(token, keys, {
      algorithms: ALGORITHMS,
      issuer: settings.issuer,
      audience: settings.audience,
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: settings.toleranceSeconds,
      currentDate: new Date(settings.now()),
      requiredClaims: ['sub', 'sid', 'role', 'iat', 'exp'],
    });
  const verified = new VerifiedTokens(VERIFIED_TOKENS, settings.toleranceSeconds * 1000);

  return async (token) => {
    const known = verified.get(token, settings.now());
    if (known !== undefined) return success(known);
    const checked = await checkSignature(verifySignature, token);
    if (checked.ok) verified.remember(token, checked.data);
    return checked;
  };
}

type VerifySignature = (token: string) => Promise<jose.JWTVerifyResult>;

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

