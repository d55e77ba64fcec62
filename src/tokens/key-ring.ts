import { createPrivateKey, randomBytes } from 'node:crypto';
import * as jose from 'jose';
import type { SecretBox } from '../crypto/secret-box.js';
import type { KeyStore, StoredSigningKey } from '../domain/ports.js';

/**
 * The access-token signing keys, shared by every instance through the store.
 * The newest unretired key signs; every key not yet past its retirement stays
 * in the JWKS, so tokens signed before a rotation verify until they expire.
 */
export type SigningAlg = 'EdDSA' | 'ES256';

export interface LoadedKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly publicJwk: jose.JWK;
  /** The private key as PKCS #8 PEM, for the synchronous signer (see access-tokens.ts). */
  readonly privatePem: string;
  readonly publicKey: jose.CryptoKey;
  readonly createdAt: number;
  readonly activatesAt: number;
  readonly retiresAt: number | null;
}

export interface Rotation {
  /** How long the new key is published before it signs. */
  readonly activationDelayMs: number;
  /** How long the old keys stay published after the new one starts signing. */
  readonly graceMs: number;
}

const SEAL_CONTEXT = 'signing-key';

export class KeyRing {
  private keys: LoadedKey[] = [];

  constructor(
    private readonly store: KeyStore,
    private readonly box: SecretBox,
  ) {}

  /** Loads the keys, creating the first one when the store has none. */
  async load(alg: SigningAlg, now: number): Promise<void> {
    let stored = await this.store.listSigningKeys();
    if (stored.length === 0) {
      await this.store.insertSigningKey(await createSigningKey(alg, this.box, now));
      stored = await this.store.listSigningKeys();
    }
    this.keys = await Promise.all(stored.map((key) => this.open(key)));
  }

  /**
   * Publishes a new key now and lets it sign after the activation delay; the
   * others stop signing then and retire `graceMs` later, once every token
   * they signed has expired.
   */
  async rotate(alg: SigningAlg, now: number, rotation: Rotation): Promise<{ kid: string; activatesAt: number }> {
    const activatesAt = now + rotation.activationDelayMs;
    const key = await createSigningKey(alg, this.box, now, activatesAt);
    await this.store.insertSigningKey(key);
    await this.store.retireSigningKeysExcept(key.kid, activatesAt + rotation.graceMs);
    await this.load(alg, now);
    return { kid: key.kid, activatesAt };
  }

  /** The most recently activated published key. */
  signingKey(now: number): LoadedKey {
    const active = this.published(now).filter((key) => key.activatesAt <= now);
    const newest = active.sort((a, b) => b.activatesAt - a.activatesAt)[0];
    if (!newest) throw new Error('no signing key is active; run `astral-auth keys rotate`');
    return newest;
  }

  /** The published key with this id, if any: the only place verification takes keys from. */
  verificationKey(kid: string, now: number): LoadedKey | undefined {
    return this.published(now).find((key) => key.kid === kid);
  }

  published(now: number): LoadedKey[] {
    return this.keys.filter((key) => key.retiresAt === null || key.retiresAt > now);
  }

  jwks(now: number): { keys: jose.JWK[] } {
    return { keys: this.published(now).map((key) => key.publicJwk) };
  }

  private async open(stored: StoredSigningKey): Promise<LoadedKey> {
    const privateJwk = JSON.parse(this.box.open(stored.privateKeySealed, SEAL_CONTEXT)) as jose.JWK;
    const alg = stored.alg as SigningAlg;
    const privatePem = createPrivateKey({ key: privateJwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' }) as string;
    const publicJwk = JSON.parse(stored.publicJwk) as jose.JWK;
    const publicKey = (await jose.importJWK(publicJwk, alg)) as jose.CryptoKey;
    const { kid, createdAt, activatesAt, retiresAt } = stored;
    return { kid, alg, publicJwk, privatePem, publicKey, createdAt, activatesAt, retiresAt };
  }
}

async function createSigningKey(alg: SigningAlg, box: SecretBox, now: number, activatesAt = now): Promise<StoredSigningKey> {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  const kid = randomBytes(12).toString('base64url');
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = await jose.exportJWK(privateKey);
  return {
    kid,
    alg,
    publicJwk: JSON.stringify(publicJwk),
    privateKeySealed: box.seal(JSON.stringify(privateJwk), SEAL_CONTEXT),
    createdAt: now,
    activatesAt,
    retiresAt: null,
  };
}
