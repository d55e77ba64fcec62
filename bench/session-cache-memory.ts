// Memory of the in-process session cache (L1) holding N sessions as the
// service holds them: users and sessions are written to a real SQLite store,
// read back through it (so every string is what the driver makes), and cached.
// Reports heap and resident memory per cached session after a full GC.
//   node --expose-gc --import tsx bench/session-cache-memory.ts [N]
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SessionL1 } from '../src/cache/session-l1.js';
import type { NewUser, SessionView } from '../src/domain/ports.js';
import { createSessionId, createSessionToken, hashSessionToken } from '../src/domain/session-tokens.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const count = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const dir = mkdtempSync(path.join(tmpdir(), 'astral-memory-'));
const store = new SqliteStore(path.join(dir, 'memory.db'));
await store.migrate();
const hashes = await seed(count);

const before = measure();
const cache = new SessionL1(count, 300_000, { now: () => Date.now() });
for (const hash of hashes) cache.set((await store.findSessionByTokenHash(hash)) as SessionView);
const after = measure();
await store.close();
rmSync(dir, { recursive: true, force: true });

const mib = (bytes: number) => Math.round(bytes / 1_048_576);
console.log(JSON.stringify({
  sessions: cache.size,
  cacheHeapMiB: mib(after.heap - before.heap),
  processRssMiB: mib(after.rss),
  bytesPerSession: Math.round((after.heap - before.heap) / count),
}));

async function seed(n: number): Promise<string[]> {
  const now = Date.now();
  const tokenHashes: string[] = [];
  for (let start = 0; start < n; start += 10_000) {
    const users: NewUser[] = [];
    for (let i = start; i < Math.min(n, start + 10_000); i++) users.push(user(i, now));
    await store.importUsers(users);
    for (const u of users) {
      const tokenHash = hashSessionToken(createSessionToken());
      tokenHashes.push(tokenHash);
      await store.createSession({ id: createSessionId(), tokenHash, userId: u.id, createdAt: now, expiresAt: now + 7 * 86_400_000, lastSeenAt: now, ip: '203.0.113.9', userAgent: 'bench' });
    }
  }
  return tokenHashes;
}

function user(i: number, now: number): NewUser {
  return {
    id: randomUUID(),
    email: `player.${i}.${randomBytes(3).toString('hex')}@astralfield.example`,
    name: `Player Number ${i}`,
    image: i % 3 === 0 ? `https://images.example.com/avatars/${i}.png` : null,
    role: 'PLAYER',
    teamName: i % 5 === 0 ? null : `Team ${i % 997}`,
    hashedPassword: null,
    hashOrigin: 'imported',
    emailVerifiedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

function measure(): { heap: number; rss: number } {
  gc!();
  gc!();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed + usage.external + usage.arrayBuffers, rss: usage.rss };
}
