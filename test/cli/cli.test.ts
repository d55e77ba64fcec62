import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** The `astral-auth` command as an operator runs it, on an embedded data folder of its own. */
async function cli(args: string[], env: Record<string, string>, input?: string): Promise<Outcome> {
  const child = run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('astral-auth CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  let legacy: TestDatabase;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'astral-cli-'));
    env = { ASTRAL_DATA_DIR: path.join(dir, 'data'), ASTRAL_LOG_LEVEL: 'warn' };
    legacy = await createTestDatabase('astral_legacy');
    const made = await run(process.execPath, ['--import', 'tsx', 'scripts/make-legacy-db.ts', '--database-url', legacy.url,
      '--users', '300', '--distinct-hashes', '2', '--seed', 'cli-test', '--credentials', path.join(dir, 'credentials.json')], { cwd: ROOT });
    assert.match(made.stdout, /300 rows/);
  });
  after(async () => {
    await legacy.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('migrate reports the schema, then that it is up to date', async () => {
    const first = await cli(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /sqlite: (applied: 1 |schema is up to date)/);
    assert.match((await cli(['migrate'], env)).stdout, /schema is up to date/);
  });

  test('imports a Prisma users table, reports refusals without emails or hashes, and imports nothing twice', async () => {
    const rejects = path.join(dir, 'rejects.jsonl');
    const first = await cli(['users', 'import', '--from-postgres', legacy.url, '--rejects', rejects, '--batch-size', '50'], env);
    assert.equal(first.code, 0, first.stderr);
    const finalLine = first.stderr.split(/[\r\n]/).filter(Boolean).at(-1) ?? '';
    const summary = /(\d+) rows: (\d+) imported, (\d+) already present, (\d+) rejected, (\d+) email conflicts/.exec(finalLine);
    assert.ok(summary, first.stderr);
    const [, rows, imported, , rejected, conflicts] = summary.map(Number);
    assert.equal(rows, 300);
    assert.ok(rejected! >= 4 && conflicts! >= 3, first.stderr);
    assert.equal(imported! + rejected! + conflicts!, 300);

    const lines = readFileSync(rejects, 'utf8').trim().split('\n');
    assert.equal(lines.length, rejected! + conflicts!);
    for (const line of lines) {
      const refusal = JSON.parse(line) as { row: number; id: string | null; reason: string };
      assert.ok(Number.isInteger(refusal.row) && refusal.reason.length > 0);
      assert.doesNotMatch(line, /[\w.+-]+@[\w-]+\.\w|\$2[aby]\$\d\d\$|md5\$[0-9a-f]/, 'no email or hash in a refusal');
    }

    const again = await cli(['users', 'import', '--from-postgres', legacy.url, '--rejects', path.join(dir, 'again.jsonl')], env);
    assert.match(again.stderr, new RegExp(`300 rows: 0 imported, ${imported} already present`));

    const store = new SqliteStore(path.join(env.ASTRAL_DATA_DIR!, 'astral-auth.db'));
    try {
      const credentials = JSON.parse(readFileSync(path.join(dir, 'credentials.json'), 'utf8')) as Array<{ email: string }>;
      const sample = await store.findLoginByEmail(credentials[0]!.email.trim().normalize('NFKC').toLowerCase());
      assert.equal(sample?.hashOrigin, 'imported');
      assert.match(sample?.user.role ?? '', /^(ADMIN|COMMISSIONER|PLAYER)$/);
    } finally {
      await store.close();
    }
  });

  test('imports JSON Lines and CSV, refusing broken rows by number', async () => {
    const hash = '$2b$10$' + 'N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy';
    const jsonl = path.join(dir, 'users.jsonl');
    writeFileSync(jsonl, [
      JSON.stringify({ id: 'j1', email: 'Jay@Example.TEST', hashedPassword: hash, role: 'PLAYER' }),
      'not json at all',
      JSON.stringify({ id: 'j2', email: 'not-an-email', hashedPassword: hash }),
      JSON.stringify({ id: 'j3', email: 'kay@example.test', hashedPassword: null }),
    ].join('\n'));
    const fromJsonl = await cli(['users', 'import', jsonl, '--format', 'jsonl'], env);
    assert.match(fromJsonl.stderr, /4 rows: 2 imported, 0 already present, 2 rejected, 0 email conflicts/);
    assert.match(fromJsonl.stderr, /"row":2,"id":null,"reason":"row is not a JSON object"/);

    const csv = path.join(dir, 'users.csv');
    writeFileSync(csv, `id,email,name,role,hashedPassword,createdAt\nc1,JAY@example.test,Jay,PLAYER,${hash},2024-01-01 10:00:00\nc2,cee@example.test,"Cee, Jr.",ADMIN,${hash},2024-02-30\n`);
    const fromCsv = await cli(['users', 'import', csv, '--format', 'csv'], env);
    assert.match(fromCsv.stderr, /2 rows: 0 imported, 0 already present, 1 rejected, 1 email conflicts/);
  });

  test('users add reads the password from standard input and applies the policy', async () => {
    const added = await cli(['users', 'add', '--email', 'root@example.test', '--role', 'admin'], env, 'a strong admin passphrase here\n');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /created user .* with role admin/);
    const weak = await cli(['users', 'add', '--email', 'weak@example.test'], env, 'password\n');
    assert.notEqual(weak.code, 0);
    assert.match(weak.stderr, /password refused/);
  });

  test('keys rotate publishes a new key and keeps the old one', async () => {
    const rotated = await cli(['keys', 'rotate'], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /new signing key \S+ \(EdDSA\) published; it signs from \d{4}-\S+; previous keys stay published until \d{4}-/);
  });

  test('a wrong setting stops the command with one line naming it', async () => {
    const wrong = await cli(['migrate'], { ...env, ASTRAL_PASSWORD_MIN_LENGTH: '4' });
    assert.equal(wrong.code, 2);
    assert.equal(wrong.stderr.trim(), 'astral-auth: invalid setting ASTRAL_PASSWORD_MIN_LENGTH: expected a whole number from 8 to 64');
  });

  test('an unknown command prints the usage and fails', async () => {
    const unknown = await cli(['frobnicate'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /usage: astral-auth <command>/);
  });
});
