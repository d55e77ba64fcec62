import { createHash, randomBytes } from 'node:crypto';
import { encodeBase32 } from './base32.js';

/**
 * Recovery codes: ten single-use codes shown once at TOTP enrolment. Each is
 * 80 bits from the CSPRNG (16 base32 characters in groups of four), so a
 * plain SHA-256 is enough to store it: like a session token, it is too long
 * to guess, and the hash only keeps a database read from yielding it.
 */
export const RECOVERY_CODE_COUNT = 10;
const CODE_BYTES = 10;

export function createRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const text = encodeBase32(randomBytes(CODE_BYTES));
    return text.match(/.{4}/g)!.join('-');
  });
}

/** Case, spaces and dashes as typed do not matter. */
export function hashRecoveryCode(code: string): Buffer {
  const canonical = code.toUpperCase().replace(/[\s-]/g, '');
  return createHash('sha256').update(canonical).digest();
}
