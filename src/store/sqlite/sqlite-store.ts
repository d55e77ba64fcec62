import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { EmailTaken } from '../../domain/errors.js';
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
import {
  LOGIN_COLUMNS,
  SESSION_VIEW_COLUMNS,
  toLoginRecord,
  toSessionView,
  tokenHashBytes,
  toUser,
  type LoginRow,
  type SessionViewRow,
} from '../rows.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { insertMail } from './sqlite-lifecycle.js';
import { prepared } from './statements.js';

const INSERT_USER = `INSERT INTO users (id, email, name, image, role, "teamName", "hashedPassword",
  "hashOrigin", "emailVerified", "createdAt", "updatedAt")
  VALUES (@id, @email, @name, @image, @role, @teamName, @hashedPassword, @hashOrigin,
  @emailVerifiedAt, @createdAt, @updatedAt)`;

/**
 * The embedded engine: one SQLite file in WAL mode. better-sqlite3 is
 * synchronous, and a point read on an indexed column takes microseconds, so
 * each method does its work inline and returns a settled promise.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly db: Database.Database;
  private hotStatements: HotStatements | undefined;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL survives a killed process; only a power cut may lose the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  // Prepared on first use: the tables exist only once migrations have run.
  private get hot(): HotStatements {
    return (this.hotStatements ??= prepareHotStatements(this.db));
  }

  async migrate(): Promise<string[]> {
    this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, "appliedAt" INTEGER NOT NULL) STRICT`);
    const applied = new Set(
      prepared(this.db, 'SELECT version FROM schema_migrations').pluck().all() as number[],
    );
    const pending = SQLITE_MIGRATIONS.filter((m) => !applied.has(m.version));
    const record = prepared(this.db, 'INSERT INTO schema_migrations VALUES (?, ?, ?)');
    for (const migration of pending) {
      this.db.transaction(() => {
        this.db.exec(migration.sql);
        record.run(migration.version, migration.name, Date.now());
      }).immediate();
    }
    return pending.map((m) => `${m.version} ${m.name}`);
  }

  async ping(): Promise<void> {
    prepared(this.db, 'SELECT 1').get();
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async createUser(user: NewUser, mail: readonly NewMail[] = []): Promise<PublicUser> {
    try {
      this.db.transaction(() => {
        this.hot.insertUser.run(user);
        insertMail(this.db, mail);
      }).immediate();
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTaken();
      throw error;
    }
    return toUser(user);
  }

  async findLoginByEmail(email: string): Promise<LoginRecord | undefined> {
    const row = this.hot.loginByEmail.get(email) as LoginRow | undefined;
    return row && toLoginRecord(row);
  }

  async findLoginById(userId: string): Promise<LoginRecord | undefined> {
    const row = this.hot.loginById.get(userId) as LoginRow | undefined;
    return row && toLoginRecord(row);
  }

  async upgradePasswordHash(upgrade: HashUpgrade): Promise<boolean> {
    const result = prepared(this.db, `UPDATE users SET "hashedPassword" = ?, "hashOrigin" = 'native'
        WHERE id = ? AND "hashedPassword" = ?`)
      .run(upgrade.hashedPassword, upgrade.userId, upgrade.previousHash);
    return result.changes === 1;
  }

  async changePassword(change: PasswordChange): Promise<boolean> {
    return this.db.transaction(() => {
      const { changes } = prepared(this.db, `UPDATE users SET "hashedPassword" = ?, "hashOrigin" = 'native', "updatedAt" = ?
          WHERE id = ? AND "hashedPassword" = ?`)
        .run(change.hashedPassword, change.updatedAt, change.userId, change.previousHash);
      if (changes !== 1) return false;
      prepared(this.db, 'DELETE FROM sessions WHERE "userId" = ? AND id IS NOT ?')
        .run(change.userId, change.keepSessionId);
      insertMail(this.db, change.mail ?? []);
      return true;
    }).immediate();
  }

  async importUsers(users: readonly NewUser[]): Promise<ImportOutcome[]> {
    const exists = prepared(this.db, 'SELECT 1 FROM users WHERE id = ?').pluck();
    const insert = prepared(this.db, `${INSERT_USER} ON CONFLICT DO NOTHING`);
    return this.db.transaction(() =>
      users.map((user): ImportOutcome => {
        if (exists.get(user.id)) return 'already_imported';
        return insert.run(user).changes === 1 ? 'inserted' : 'email_conflict';
      }),
    ).immediate();
  }

  async legacyBcryptCost(): Promise<number | null> {
    const cost = prepared(this.db, `SELECT max(CAST(substr("hashedPassword", 5, 2) AS INTEGER)) FROM users
        WHERE "hashOrigin" = 'imported' AND "hashedPassword" LIKE '$2%'`)
      .pluck()
      .get() as number | null;
    return cost ?? null;
  }

  async createSession(session: NewSession): Promise<boolean> {
    const { verifiedHash, ...row } = session;
    const bytes = { ...row, tokenHash: tokenHashBytes(row.tokenHash) };
    const result = verifiedHash === undefined ? this.hot.insertSession.run(bytes) : this.hot.insertSessionIfHash.run({ ...bytes, verifiedHash });
    return result.changes === 1;
  }

  async findSessionByTokenHash(tokenHash: string): Promise<SessionView | undefined> {
    const row = this.hot.sessionByTokenHash.get(tokenHashBytes(tokenHash)) as SessionViewRow | undefined;
    return row && toSessionView(row);
  }

  async findSessionById(sessionId: string): Promise<SessionView | undefined> {
    const row = this.hot.sessionById.get(sessionId) as SessionViewRow | undefined;
    return row && toSessionView(row);
  }

  async touchSessions(touches: readonly SessionTouch[]): Promise<void> {
    const update = prepared(this.db, 
      'UPDATE sessions SET "lastSeenAt" = @lastSeenAt WHERE id = @id AND "lastSeenAt" < @lastSeenAt',
    );
    this.db.transaction(() => touches.forEach((touch) => update.run(touch)))();
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    return prepared(this.db, 'DELETE FROM sessions WHERE id = ?').run(sessionId).changes === 1;
  }

  async deleteSessionsOfUser(userId: string): Promise<number> {
    return prepared(this.db, 'DELETE FROM sessions WHERE "userId" = ?').run(userId).changes;
  }

  async listSigningKeys(): Promise<StoredSigningKey[]> {
    return prepared(this.db, 'SELECT * FROM signing_keys ORDER BY "createdAt"').all() as StoredSigningKey[];
  }

  async insertSigningKey(key: StoredSigningKey): Promise<void> {
    prepared(this.db, `INSERT INTO signing_keys (kid, alg, "publicJwk", "privateKeySealed", "createdAt", "retiresAt", "activatesAt")
        VALUES (@kid, @alg, @publicJwk, @privateKeySealed, @createdAt, @retiresAt, @activatesAt)`)
      .run(key);
  }

  async retireSigningKeysExcept(kid: string, retiresAt: number): Promise<void> {
    prepared(this.db, 'UPDATE signing_keys SET "retiresAt" = ? WHERE kid <> ? AND "retiresAt" IS NULL')
      .run(retiresAt, kid);
  }
}

type HotStatements = ReturnType<typeof prepareHotStatements>;

function prepareHotStatements(db: Database.Database) {
  return {
    insertUser: db.prepare(INSERT_USER),
    loginByEmail: db.prepare(`SELECT ${LOGIN_COLUMNS} FROM users WHERE email = ?`),
    loginById: db.prepare(`SELECT ${LOGIN_COLUMNS} FROM users WHERE id = ?`),
    insertSession: db.prepare(`INSERT INTO sessions (id, "tokenHash", "userId", "createdAt", "expiresAt",
      "lastSeenAt", ip, "userAgent") VALUES (@id, @tokenHash, @userId, @createdAt, @expiresAt,
      @lastSeenAt, @ip, @userAgent)`),
    insertSessionIfHash: db.prepare(`INSERT INTO sessions (id, "tokenHash", "userId", "createdAt", "expiresAt",
      "lastSeenAt", ip, "userAgent") SELECT @id, @tokenHash, @userId, @createdAt, @expiresAt,
      @lastSeenAt, @ip, @userAgent WHERE EXISTS (SELECT 1 FROM users WHERE id = @userId AND "hashedPassword" = @verifiedHash)`),
    sessionByTokenHash: db.prepare(
      `SELECT ${SESSION_VIEW_COLUMNS} FROM sessions s JOIN users u ON u.id = s."userId" WHERE s."tokenHash" = ?`,
    ),
    sessionById: db.prepare(
      `SELECT ${SESSION_VIEW_COLUMNS} FROM sessions s JOIN users u ON u.id = s."userId" WHERE s.id = ?`,
    ),
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}
