import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NewSession, NewUser, Store } from '../../src/domain/ports.js';
import { createSessionId, createSessionToken, hashSessionToken } from '../../src/domain/session-tokens.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createTestDatabase } from '../helpers/postgres.js';
import type { Engine } from '../helpers/service.js';

/** A migrated store of either engine on a database of its own, and how to get rid of it. */
export async function openTestStore(engine: Engine): Promise<{ store: Store; dispose(): Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'astral-store-'));
    const store = new SqliteStore(path.join(dir, 'test.db'));
    await store.migrate();
    return { store, dispose: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const database = await createTestDatabase('astral_store');
  const store = new PostgresStore({ url: database.url, poolMax: 4, connectTimeoutMs: 2000, statementTimeoutMs: 5000 });
  await store.migrate();
  return { store, dispose: async () => { await store.close(); await database.drop(); } };
}

let sequence = 0;

export function newUser(overrides: Partial<NewUser> = {}): NewUser {
  sequence++;
  const now = 1_790_000_000_000 + sequence;
  return {
    id: `user-${process.pid}-${sequence}`,
    email: `person${sequence}@example.test`,
    name: `Person ${sequence}`,
    image: null,
    role: 'user',
    teamName: null,
    hashedPassword: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    hashOrigin: 'native',
    emailVerifiedAt: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export function newSession(userId: string, at = 1_790_000_000_000): NewSession & { token: string } {
  const token = createSessionToken();
  return {
    token,
    id: createSessionId(),
    tokenHash: hashSessionToken(token),
    userId,
    createdAt: at,
    expiresAt: at + 86_400_000,
    lastSeenAt: at,
    ip: '192.0.2.1',
    userAgent: 'contract-test',
  };
}
