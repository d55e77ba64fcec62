import pg from 'pg';
import { EmailTaken, Unavailable } from '../../domain/errors.js';
import type {
  HashUpgrade,
  ImportOutcome,
  NewSession,
  NewUser,
  PasswordChange,
  SessionTouch,
  SessionView,
  Store,
  StoredSigningKey,
} from '../../domain/ports.js';
import type { NewMail } from '../../domain/mail.js';
import type { LoginRecord, PublicUser } from '../../domain/users.js';
import { LOGIN_COLUMNS, SESSION_VIEW_COLUMNS, tokenHashBytes, toLoginRecord, toSessionView, toUser } from '../rows.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { insertMail } from './pg-lifecycle.js';

export interface PostgresOptions {
  readonly url: string;
  readonly poolMax: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

const TIMESTAMPTZ_OID = 1184;
// The server ends a statement at statement_timeout; the client waits this much longer for that answer.
const QUERY_TIMEOUT_MARGIN_MS = 1_000;
// Any fixed number; serialises concurrent `migrate` runs of several instances.
const MIGRATION_LOCK = 0x61737472;

/** Timestamps leave the driver as epoch milliseconds, the unit the domain counts in. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ_OID) return (value: string) => Date.parse(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** The hot reads are named statements: parsed and planned once per connection. */
export const HOT_QUERIES = {
  loginByEmail: `SELECT ${LOGIN_COLUMNS} FROM users WHERE email = $1`,
  loginById: `SELECT ${LOGIN_COLUMNS} FROM users WHERE id = $1`,
  sessionByTokenHash: `SELECT ${SESSION_VIEW_COLUMNS} FROM sessions s
    JOIN users u ON u.id = s."userId" WHERE s."tokenHash" = $1`,
  sessionById: `SELECT ${SESSION_VIEW_COLUMNS} FROM sessions s
    JOIN users u ON u.id = s."userId" WHERE s.id = $1`,
  insertSession: `INSERT INTO sessions (id, "tokenHash", "userId", "createdAt", "expiresAt",
    "lastSeenAt", ip, "userAgent") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  // FOR SHARE waits for a password change in progress and then reads its outcome;
  // a plain read would see the old hash and insert behind the change's back.
  insertSessionIfHash: `INSERT INTO sessions (id, "tokenHash", "userId", "createdAt", "expiresAt",
    "lastSeenAt", ip, "userAgent") SELECT $1, $2, $3, $4, $5, $6, $7, $8
    WHERE EXISTS (SELECT 1 FROM users WHERE id = $3 AND "hashedPassword" = $9 FOR SHARE)`,
  insertUser: `INSERT INTO users (id, email, name, image, role, "teamName", "hashedPassword",
    "hashOrigin", "emailVerified", "createdAt", "updatedAt")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
} as const;

/**
 * The production engine, through node-postgres: a bounded pool whose use can
 * be read (in use, idle, waiting), named prepared statements, and a connect
 * timeout so that a dead server turns into a fast 503, not a hung request.
 * A server that stalls, or a network that drops packets, never sends the
 * statement_timeout error either: a query timeout on the client side ends
 * the wait too, and the connection it was on is discarded.
 */
export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(options: PostgresOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
      types,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  async migrate(): Promise<string[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const applied = await this.appliedVersions(client);
      const pending = POSTGRES_MIGRATIONS.filter((m) => !applied.has(m.version));
      for (const migration of pending) {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, now())', [migration.version, migration.name]);
      }
      await client.query('COMMIT');
      return pending.map((m) => `${m.version} ${m.name}`);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async createUser(user: NewUser, mail: readonly NewMail[] = []): Promise<PublicUser> {
    try {
      if (mail.length === 0) await this.query(HOT_QUERIES.insertUser, userValues(user), 'insertUser');
      else await this.transaction(async (client) => {
        await client.query(HOT_QUERIES.insertUser, userValues(user));
        await insertMail(client, mail);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) throw new EmailTaken();
      throw error;
    }
    return toUser(user);
  }

  async findLoginByEmail(email: string): Promise<LoginRecord | undefined> {
    const { rows } = await this.query(HOT_QUERIES.loginByEmail, [email], 'loginByEmail');
    return rows[0] && toLoginRecord(rows[0]);
  }

  async findLoginById(userId: string): Promise<LoginRecord | undefined> {
    const { rows } = await this.query(HOT_QUERIES.loginById, [userId], 'loginById');
    return rows[0] && toLoginRecord(rows[0]);
  }

  async upgradePasswordHash(upgrade: HashUpgrade): Promise<boolean> {
    const { rowCount } = await this.query(
      `UPDATE users SET "hashedPassword" = $1, "hashOrigin" = 'native'
       WHERE id = $2 AND "hashedPassword" = $3`,
      [upgrade.hashedPassword, upgrade.userId, upgrade.previousHash],
    );
    return rowCount === 1;
  }

  async changePassword(change: PasswordChange): Promise<boolean> {
    return this.transaction(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE users SET "hashedPassword" = $1, "hashOrigin" = 'native', "updatedAt" = $2
         WHERE id = $3 AND "hashedPassword" = $4`,
        [change.hashedPassword, new Date(change.updatedAt), change.userId, change.previousHash],
      );
      if (rowCount !== 1) return false;
      await client.query('DELETE FROM sessions WHERE "userId" = $1 AND id IS DISTINCT FROM $2', [
        change.userId,
        change.keepSessionId,
      ]);
      await insertMail(client, change.mail ?? []);
      return true;
    });
  }

  async importUsers(users: readonly NewUser[]): Promise<ImportOutcome[]> {
    return this.transaction(async (client) => {
      const ids = users.map((user) => user.id);
      const existing = await client.query('SELECT id FROM users WHERE id = ANY($1)', [ids]);
      const known = new Set(existing.rows.map((row: { id: string }) => row.id));
      const fresh = users.filter((user) => !known.has(user.id));
      const inserted = await insertMany(client, fresh);
      return users.map((user) => outcomeOf(user.id, known, inserted));
    });
  }

  async legacyBcryptCost(): Promise<number | null> {
    const { rows } = await this.query(
      `SELECT max(substring("hashedPassword" from 5 for 2)::int) AS cost FROM users
       WHERE "hashOrigin" = 'imported' AND "hashedPassword" LIKE '$2%'`,
    );
    return (rows[0]?.cost as number | null) ?? null;
  }

  async createSession(session: NewSession): Promise<boolean> {
    const { id, tokenHash, userId, createdAt, expiresAt, lastSeenAt, ip, userAgent, verifiedHash } = session;
    const values = [id, tokenHashBytes(tokenHash), userId, new Date(createdAt), new Date(expiresAt), new Date(lastSeenAt), ip, userAgent];
    const { rowCount } = verifiedHash === undefined
      ? await this.query(HOT_QUERIES.insertSession, values, 'insertSession')
      : await this.query(HOT_QUERIES.insertSessionIfHash, [...values, verifiedHash], 'insertSessionIfHash');
    return rowCount === 1;
  }

  async findSessionByTokenHash(tokenHash: string): Promise<SessionView | undefined> {
    const { rows } = await this.query(HOT_QUERIES.sessionByTokenHash, [tokenHashBytes(tokenHash)], 'sessionByTokenHash');
    return rows[0] && toSessionView(rows[0]);
  }

  async findSessionById(sessionId: string): Promise<SessionView | undefined> {
    const { rows } = await this.query(HOT_QUERIES.sessionById, [sessionId], 'sessionById');
    return rows[0] && toSessionView(rows[0]);
  }

  async touchSessions(touches: readonly SessionTouch[]): Promise<void> {
    await this.query(
      `UPDATE sessions s SET "lastSeenAt" = t.at
       FROM unnest($1::text[], $2::timestamptz[]) AS t(id, at)
       WHERE s.id = t.id AND s."lastSeenAt" < t.at`,
      [touches.map((t) => t.id), touches.map((t) => new Date(t.lastSeenAt))],
    );
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    const { rowCount } = await this.query('DELETE FROM sessions WHERE id = $1', [sessionId]);
    return rowCount === 1;
  }

  async deleteSessionsOfUser(userId: string): Promise<number> {
    const { rowCount } = await this.query('DELETE FROM sessions WHERE "userId" = $1', [userId]);
    return rowCount ?? 0;
  }

  async listSigningKeys(): Promise<StoredSigningKey[]> {
    const { rows } = await this.query('SELECT * FROM signing_keys ORDER BY "createdAt"');
    return rows as StoredSigningKey[];
  }

  async insertSigningKey(key: StoredSigningKey): Promise<void> {
    await this.query(
      `INSERT INTO signing_keys (kid, alg, "publicJwk", "privateKeySealed", "createdAt", "retiresAt", "activatesAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        key.kid,
        key.alg,
        key.publicJwk,
        key.privateKeySealed,
        new Date(key.createdAt),
        key.retiresAt === null ? null : new Date(key.retiresAt),
        new Date(key.activatesAt),
      ],
    );
  }

  async retireSigningKeysExcept(kid: string, retiresAt: number): Promise<void> {
    await this.query('UPDATE signing_keys SET "retiresAt" = $1 WHERE kid <> $2 AND "retiresAt" IS NULL', [
      new Date(retiresAt),
      kid,
    ]);
  }

  /** Every query goes through here, so a refused or timed-out connection becomes `Unavailable`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async query(text: string, values: unknown[] = [], name?: string): Promise<pg.QueryResult<any>> {
    try {
      return await this.pool.query(name ? { name, text, values } : { text, values });
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  /** For the other adapters that share this pool (guardian, lifecycle). */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return transaction(this.pool, work);
  }

  private async appliedVersions(client: pg.PoolClient): Promise<Set<number>> {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, "appliedAt" timestamptz NOT NULL)`);
    const { rows } = await client.query('SELECT version FROM schema_migrations');
    return new Set(rows.map((row: { version: number }) => row.version));
  }
}

/** One transaction on one pooled connection; a lost connection becomes `Unavailable`. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    throw asUnavailable(error);
  });
  let lost = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    const failure = asUnavailable(error);
    lost = failure instanceof Unavailable;
    if (!lost) await client.query('ROLLBACK').catch(() => undefined);
    throw failure;
  } finally {
    // A connection that failed mid-transaction is closed, not handed to the next request.
    client.release(lost);
  }
}

function userValues(user: NewUser): unknown[] {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
  return [
    user.id,
    user.email,
    user.name,
    user.image,
    user.role,
    user.teamName,
    user.hashedPassword,
    user.hashOrigin,
    at(user.emailVerifiedAt),
    at(user.createdAt),
    at(user.updatedAt),
  ];
}

/** One statement for a whole batch; rows whose email is taken are skipped and named by absence. */
async function insertMany(client: pg.PoolClient, users: readonly NewUser[]): Promise<Set<string>> {
  if (users.length === 0) return new Set();

  const columns = userValues(users[0]!).map((_, index) => users.map((user) => userValues(user)[index]));
  const { rows } = await client.query(
    `INSERT INTO users (id, email, name, image, role, "teamName", "hashedPassword", "hashOrigin",
       "emailVerified", "createdAt", "updatedAt")
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
       $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[])
     ON CONFLICT DO NOTHING RETURNING id`,
    columns,
  );
  return new Set(rows.map((row: { id: string }) => row.id));
}

function outcomeOf(id: string, known: Set<string>, inserted: Set<string>): ImportOutcome {
  if (known.has(id)) return 'already_imported';
  return inserted.has(id) ? 'inserted' : 'email_conflict';
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError.code === '23505' && pgError.constraint === constraint;
}

const CONNECTION_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001']);

export function asUnavailable(error: unknown): unknown {
  const { code, message } = error as { code?: string; message?: string };
  const lost = (code && CONNECTION_FAILURES.has(code)) || /timeout|terminat|Connection/i.test(message ?? '');
  return lost ? new Unavailable() : error;
}
