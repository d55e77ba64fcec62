import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals secrets kept at rest (signing keys, TOTP seeds) with AES-256-GCM under
 * the key from ASTRAL_SECRET_KEY. A sealed value is `v1.<nonce>.<ciphertext+tag>`
 * in base64url; the version lets the format change without guessing.
 */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new TypeError('SecretBox needs a 32-byte key');
  }

  seal(plaintext: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** Throws when the value was not sealed by this key for this context. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    const [version, nonce = '', body = ''] = parts;
    const bytes = Buffer.from(body, 'base64url');
    if (parts.length !== 3 || version !== 'v1' || bytes.length < TAG_BYTES) {
      throw new Error('sealed value has an unknown format');
    }

    // A fixed tag length: GCM would otherwise accept a tag cut short, and with it forgeries.
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}
