// Memory of the in-process session cache (L1) holding N sessions as the
// service holds them: users and sessions are written to a real SQLite store
// by a child process, then read back through the store here (so every string
// is what the driver makes) and cached. Reports the heap the cache takes and
// this process's resident memory after a full GC.
//   node --expose-gc --import tsx bench/session-cache-memory.ts [N]
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SessionL1 } from '../src/cache/session-l1.js';
import type { NewUser, SessionView } from '../src/domain/ports.js';
import { createSessionId, createSessionToken, hashSessionToken } from '../src/domain/session-tokens.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
];

const count = Number(process.argv[2] ?? 1_000_000);
const seedInto = process.argv[3];
if (seedInto) {
  const store = new SqliteStore(path.join(seedInto, 'memory.db'));
  await store.migrate();
  writeFileSync(path.join(seedInto, 'hashes.txt'), (await seed(store, count)).join('\n'));
  await store.close();
  process.exit(0);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const dir = mkdtempSync(path.join(tmpdir(), 'astral-memory-'));
execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, String(count), dir], { stdio: 'inherit' });
const hashes = readFileSync(path.join(dir, 'hashes.txt'), 'utf8').split('\n');
const store = new SqliteStore(path.join(dir, 'memory.db'));

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
  processRssBeforeMiB: mib(before.rss),
  bytesPerSession: Math.round((after.heap - before.heap) / count),
}));

async function seed(store: SqliteStore, n: number): Promise<string[]> {
  const now = Date.now();
  const tokenHashes: string[] = [];
  for (let start = 0; start < n; start += 10_000) {
    const users: NewUser[] = [];
    for (let i = start; i < Math.min(n, start + 10_000); i++) users.push(user(i, now));
    await store.importUsers(users);
    for (const u of users) {
      const tokenHash = hashSessionToken(createSessionToken());
      tokenHashes.push(tokenHash);
      const ip = `203.0.${(tokenHashes.length >> 8) & 255}.${tokenHashes.length & 255}`;
      const userAgent = USER_AGENTS[tokenHashes.length % USER_AGENTS.length]!;
      await store.createSession({ id: createSessionId(), tokenHash, userId: u.id, createdAt: now, expiresAt: now + 7 * 86_400_000, lastSeenAt: now, ip, userAgent });
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
