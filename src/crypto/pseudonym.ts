import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Stable stand-ins for deleted accounts. Records that must outlive an
 * account (audit events) keep `anon_` + HMAC-SHA-256 of its id instead of the
 * id: the same account always maps to the same pseudonym, so its events stay
 * together, but the id cannot be read back from it, and only someone holding
 * the secret key and a candidate id can test a guess. The HMAC key is derived
 * from the secret key with HKDF, so the encryption key is never reused as is.
 */
export type Pseudonymize = (userId: string) => string;

export function pseudonymizer(secretKey: Buffer): Pseudonymize {
  const key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'astral-auth account pseudonym v1', 32));
  return (userId) => `anon_${createHmac('sha256', key).update(userId).digest('base64url')}`;
}
