import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Time-based one-time passwords, RFC 6238 over RFC 4226's HOTP: SHA-1, six
 * digits, 30-second steps, the current step and one on either side (RFC 6238
 * §5.2 recommends at most one step of network delay). Only the server's clock
 * counts (ASVS 6.5.8). Pure computation: storing the last step used, which
 * makes each code single-use, is the caller's job.
 */
export const TOTP_STEP_MS = 30_000;
export const TOTP_DIGITS = 6;
export const TOTP_TOLERANCE_STEPS = 1;
/** 160 bits, RFC 4226 §4's recommendation, above ASVS 6.5.3's floor of 128. */
export const TOTP_SECRET_BYTES = 20;

export type HotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export function createTotpSecret(): Buffer {
  return randomBytes(TOTP_SECRET_BYTES);
}

export function timeStep(nowMs: number): number {
  return Math.floor(nowMs / TOTP_STEP_MS);
}

/** RFC 4226 §5.3: HMAC of the big-endian counter, dynamic truncation, modulo 10^digits. */
export function hotp(secret: Buffer, counter: number, digits = TOTP_DIGITS, algorithm: HotpAlgorithm = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/**
 * The step `code` belongs to, among the steps around `nowMs` that are later
 * than `lastUsedStep`; undefined when none matches. Refusing steps at or before
 * the last one used is what stops a replay within the tolerance window.
 */
export function matchTotp(secret: Buffer, code: string, nowMs: number, lastUsedStep: number | null): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;

  const current = timeStep(nowMs);
  let matched: number | undefined;
  // Every candidate is computed and compared, so timing does not say which step matched.
  for (let step = current - TOTP_TOLERANCE_STEPS; step <= current + TOTP_TOLERANCE_STEPS; step++) {
    const fresh = lastUsedStep === null || step > lastUsedStep;
    if (sameDigits(hotp(secret, step), code) && fresh && matched === undefined) matched = step;
  }
  return matched;
}

function sameDigits(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
