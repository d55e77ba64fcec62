import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { subscriberOf } from '../domain/risk.js';

/**
 * Names of counters. An account is named by a keyed hash (HMAC-SHA-256 under
 * a key derived from ASTRAL_SECRET_KEY) of its canonical email, so counters,
 * in the database or in Redis, hold no email and cannot be matched against a
 * list of emails without the key. Unknown emails get counters like any other.
 */
export class CounterKeys {
  private readonly key: Buffer;

  constructor(secretKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'astral-auth attempt counters', 32));
  }

  /** Prefix of every counter of one account: what an admin unlock clears. */
  accountPrefix(canonicalEmail: string): string {
    const digest = createHmac('sha256', this.key).update(canonicalEmail).digest('base64url');
    return `a:${digest.slice(0, 27)}`;
  }

  account(canonicalEmail: string): string {
    return `${this.accountPrefix(canonicalEmail)}:all`;
  }

  /** One client on one account: its known device when it has one, else its address. */
  pair(canonicalEmail: string, client: ClientIdentity): string {
    return `${this.accountPrefix(canonicalEmail)}:${clientLabel(client)}`;
  }

  address(ip: string | null): string {
    return `i:${ip === null ? 'none' : subscriberOf(ip)}`;
  }

  request(bucket: string, ip: string | null): string {
    return `r:${bucket}:${ip === null ? 'none' : subscriberOf(ip)}`;
  }
}

export interface ClientIdentity {
  readonly ip: string | null;
  readonly deviceId: string | null;
}

/** A device id is a bearer value: only its hash is used as a name. */
export function deviceDigest(deviceId: string): string {
  return createHash('sha256').update(deviceId).digest('base64url').slice(0, 27);
}

function clientLabel(client: ClientIdentity): string {
  if (client.deviceId) return `d:${deviceDigest(client.deviceId)}`;
  return `i:${client.ip ?? 'none'}`;
}
