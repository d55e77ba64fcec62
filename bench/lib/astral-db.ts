// Direct writes into astral-auth's own store, for seeding only, after the
// service has created its schema (migrations run when `serve` starts).
//
// Why: a session made through POST /v1/login costs one argon2id verification
// (~20 ms of a core), so a million of them would take hours. The rows written
// here are the ones the service writes itself (src/store/*/migrations.ts,
// src/store/rows.ts): a session keeps only the 32 raw bytes of the SHA-256 of
// its token, and a token is `ast_` + base64url(32 bytes). The 32 bytes are
// SHA-256(per-run random key ‖ "label:index"), which the service cannot tell
// from random bytes, so the harness can recompute any token instead of keeping
// a million of them (and PostgreSQL can make them itself, see insertBulk).
// Bulk users all share one argon2id hash, made at the service's default cost,
// so logging in as any of them costs one verification.
//
// The database checks every row as it goes in: NOT NULL, CHECK and the types
// (SQLite STRICT tables; PostgreSQL column types) always, foreign keys in
// PostgreSQL always and in SQLite because this connection turns them on.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";

/** The service's defaults (ASTRAL_SESSION_LIFETIME=7d, ASTRAL_DEFAULT_ROLE=user). */
export const SESSION_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const DEFAULT_ROLE = "user";
/** Rows per statement (PostgreSQL) and per transaction (both engines). */
const CHUNK = 20_000;
/** Bulk rows PostgreSQL generates per step. */
const PG_BULK_CHUNK = 100_000;

export interface UserRow { id: string; email: string; name: string; hashedPassword: string; createdAt: number }
export interface SessionRow { id: string; tokenHash: Buffer; userId: string; createdAt: number; expiresAt: number }

/** Derives session tokens from a per-run key: token(label, i) is stable within a run, unguessable across runs. */
export class TokenMint {
  readonly key = randomBytes(32);
  token(label: string, i: number): string {
    return "ast_" + createHash("sha256").update(this.key).update(`${label}:${i}`).digest("base64url");
  }
}

/**
 * Bulk users from..from+count-1: user i has e-mail `${emailPrefix}${i}${emailSuffix}`,
 * name `${namePrefix}${i}`, the shared hash, and one session whose token is mint.token(label, i).
 */
export interface BulkSpec {
  from: number; count: number; emailPrefix: string; emailSuffix: string; namePrefix: string;
  hashedPassword: string; mint: TokenMint; label: string; now: number;
}

/** What the service stores for a token: the raw 32 bytes of its SHA-256. */
export const tokenHash = (token: string): Buffer => createHash("sha256").update(token).digest();
/** Public session id, shaped like the service's (16 random bytes, base64url). */
export const sessionId = (): string => randomBytes(16).toString("base64url");

export function sessionRow(token: string, userId: string, now: number): SessionRow {
  return { id: sessionId(), tokenHash: tokenHash(token), userId, createdAt: now, expiresAt: now + SESSION_LIFETIME_MS };
}

export function userRow(email: string, name: string, hashedPassword: string, now: number): UserRow {
  return { id: randomUUID(), email, name, hashedPassword, createdAt: now };
}

export interface AstralDb {
  /** user id by (canonical, i.e. lower-case) e-mail, for those that exist. */
  userIds(emails: string[]): Promise<Map<string, string>>;
  passwordHash(email: string): Promise<string | undefined>;
  insertSessions(rows: SessionRow[]): Promise<void>;
  /** Bulk users with one session each (see BulkSpec). */
  insertBulk(spec: BulkSpec): Promise<void>;
  counts(): Promise<{ users: number; sessions: number }>;
  /** After a bulk load: planner statistics (PostgreSQL), WAL checkpoint (SQLite). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

/**
 * The service holds the file open in WAL mode (busy_timeout 5 s); writes here
 * go in transactions of CHUNK rows, each well under a second, so the service's
 * own writes in between never wait long for the lock.
 */
export function openSqlite(file: string): AstralDb {
  const db = new Database(file);
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 10000");
  db.pragma("cache_size = -262144"); // 256 MiB for this connection: the indexes stay in memory while they grow
  db.pragma("synchronous = OFF"); // this connection only: a crash mid-seed just fails the run
  const insUser = db.prepare(`INSERT INTO users (id, email, name, image, role, "teamName", "hashedPassword", "hashOrigin",
    "emailVerified", "disabledAt", "createdAt", "updatedAt") VALUES (?, ?, ?, NULL, '${DEFAULT_ROLE}', NULL, ?, 'native', NULL, NULL, ?, ?)`);
  const insSession = db.prepare(`INSERT INTO sessions (id, "tokenHash", "userId", "createdAt", "expiresAt", "lastSeenAt", ip, "userAgent", "stepUp")
    VALUES (?, ?, ?, ?, ?, ?, '127.0.0.1', NULL, 0)`);
  const session = (s: SessionRow) => insSession.run(s.id, s.tokenHash, s.userId, s.createdAt, s.expiresAt, s.createdAt);
  const sessions = db.transaction((rows: SessionRow[]) => { for (const s of rows) session(s); });
  const bulk = db.transaction((b: BulkSpec, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const u = userRow(`${b.emailPrefix}${i}${b.emailSuffix}`, `${b.namePrefix}${i}`, b.hashedPassword, b.now);
      insUser.run(u.id, u.email, u.name, u.hashedPassword, u.createdAt, u.createdAt);
      session(sessionRow(b.mint.token(b.label, i), u.id, b.now));
    }
  });
  const byEmail = db.prepare<[string], { id: string }>("SELECT id FROM users WHERE email = ?");
  const hashOf = db.prepare<[string], { h: string | null }>(`SELECT "hashedPassword" AS h FROM users WHERE email = ?`);
  const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    async userIds(emails) {
      const out = new Map<string, string>();
      for (const e of emails) { const r = byEmail.get(e); if (r) out.set(e, r.id); }
      return out;
    },
    async passwordHash(email) { return hashOf.get(email)?.h ?? undefined; },
    async insertSessions(rows) {
      for (const c of chunks(rows)) { sessions(c); await yieldToLoop(); }
    },
    async insertBulk(b) {
      for (let at = b.from; at < b.from + b.count; at += CHUNK) {
        bulk(b, at, Math.min(at + CHUNK, b.from + b.count));
        await yieldToLoop();
      }
    },
    async counts() { return { users: count("users"), sessions: count("sessions") }; },
    async settle() { db.pragma("wal_checkpoint(TRUNCATE)"); },
    async close() { db.close(); },
  };
}

/** Multi-row INSERTs over unnest() of one array per column, CHUNK rows per statement. */
export async function openPostgres(url: string): Promise<AstralDb> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // This connection only: a crash mid-seed just fails the run.
  await client.query("SET synchronous_commit = off");
  const ts = (col: string) => `to_timestamp(${col}::double precision / 1000)`;
  const count = async (table: string) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  return {
    async userIds(emails) {
      const res = await client.query<{ id: string; email: string }>("SELECT id, email FROM users WHERE email = ANY($1)", [emails]);
      return new Map(res.rows.map((r) => [r.email, r.id]));
    },
    async passwordHash(email) {
      const res = await client.query<{ h: string | null }>(`SELECT "hashedPassword" AS h FROM users WHERE email = $1`, [email]);
      return res.rows[0]?.h ?? undefined;
    },
    async insertSessions(rows) {
      for (const c of chunks(rows)) {
        await client.query(`INSERT INTO sessions (id, "tokenHash", "userId", "createdAt", "expiresAt", "lastSeenAt", ip, "userAgent", "stepUp")
          SELECT id, h, u, ${ts("c")}, ${ts("e")}, ${ts("c")}, '127.0.0.1', NULL, false
          FROM unnest($1::text[], $2::bytea[], $3::text[], $4::bigint[], $5::bigint[]) AS v(id, h, u, c, e)`,
        [c.map((s) => s.id), c.map((s) => s.tokenHash), c.map((s) => s.userId), c.map((s) => s.createdAt), c.map((s) => s.expiresAt)]);
      }
    },
    // Generated by the server: ids from gen_random_uuid(), tokens by the same
    // derivation as TokenMint (sha256 of key ‖ "label:i", base64url), stored as
    // the sha256 of the token. Nothing travels but the parameters.
    async insertBulk(b) {
      const token = `'ast_' || translate(rtrim(encode(sha256($1::bytea || convert_to($2::text || ':' || i, 'UTF8')), 'base64'), '='), '+/', '-_')`;
      for (let at = b.from; at < b.from + b.count; at += PG_BULK_CHUNK) {
        const to = Math.min(at + PG_BULK_CHUNK, b.from + b.count) - 1;
        await client.query("BEGIN");
        try {
          await client.query(`CREATE TEMP TABLE bulk_ids ON COMMIT DROP AS
            SELECT i, gen_random_uuid()::text AS id FROM generate_series(${at}::bigint, ${to}::bigint) AS i`);
          await client.query(`INSERT INTO users (id, email, name, image, role, "teamName", "hashedPassword", "hashOrigin",
              "emailVerified", "disabledAt", "createdAt", "updatedAt")
            SELECT id, $1::text || i || $2::text, $3::text || i, NULL, '${DEFAULT_ROLE}', NULL, $4::text, 'native', NULL, NULL, ${ts("$5")}, ${ts("$5")}
            FROM bulk_ids`, [b.emailPrefix, b.emailSuffix, b.namePrefix, b.hashedPassword, b.now]);
          await client.query(`INSERT INTO sessions (id, "tokenHash", "userId", "createdAt", "expiresAt", "lastSeenAt", ip, "userAgent", "stepUp")
            SELECT translate(rtrim(encode(uuid_send(gen_random_uuid()), 'base64'), '='), '+/', '-_'),
              sha256(convert_to(${token}, 'UTF8')), id, ${ts("$3")}, ${ts("$4")}, ${ts("$3")}, '127.0.0.1', NULL, false
            FROM bulk_ids`, [b.mint.key, b.label, b.now, b.now + SESSION_LIFETIME_MS]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw err;
        }
      }
    },
    async counts() { return { users: await count("users"), sessions: await count("sessions") }; },
    async settle() { await client.query("ANALYZE users; ANALYZE sessions"); },
    async close() { await client.end(); },
  };
}

/**
 * better-sqlite3 is synchronous: between transactions, let the event loop run
 * (timers, sockets closing), or the harness's HTTP client would later reuse
 * keep-alive connections that the service closed in the meantime.
 */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
