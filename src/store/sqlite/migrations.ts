import type { Migration } from '../migration.js';

/**
 * The SQLite schema history. Times are epoch milliseconds; STRICT tables make
 * SQLite refuse a value of the wrong type instead of storing it.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, sessions and signing keys',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        name TEXT,
        image TEXT,
        role TEXT NOT NULL,
        "teamName" TEXT,
        "hashedPassword" TEXT,
        "hashOrigin" TEXT NOT NULL DEFAULT 'native' CHECK ("hashOrigin" IN ('native', 'imported')),
        "emailVerified" INTEGER,
        "disabledAt" INTEGER,
        "createdAt" INTEGER NOT NULL,
        "updatedAt" INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        "tokenHash" BLOB NOT NULL UNIQUE,
        "userId" TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        "createdAt" INTEGER NOT NULL,
        "expiresAt" INTEGER NOT NULL,
        "lastSeenAt" INTEGER NOT NULL,
        ip TEXT,
        "userAgent" TEXT
      ) STRICT;
      CREATE INDEX sessions_user ON sessions ("userId");
      CREATE INDEX sessions_expiry ON sessions ("expiresAt");

      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        "publicJwk" TEXT NOT NULL,
        "privateKeySealed" TEXT NOT NULL,
        "createdAt" INTEGER NOT NULL,
        "retiresAt" INTEGER
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'guardian: counters, known clients, TOTP, challenges, audit, address blocks',
    sql: `
      ALTER TABLE sessions ADD COLUMN "stepUp" INTEGER NOT NULL DEFAULT 0;

      CREATE TABLE attempt_counters (
        key TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        "startedAt" INTEGER NOT NULL,
        "endsAt" INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX attempt_counters_ends ON attempt_counters ("endsAt");

      CREATE TABLE known_clients (
        "userId" TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('device', 'address')),
        value TEXT NOT NULL,
        "lastSeenAt" INTEGER NOT NULL,
        PRIMARY KEY ("userId", kind, value)
      ) STRICT;

      CREATE TABLE mfa_totp (
        "userId" TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        "secretSealed" TEXT NOT NULL,
        "confirmedAt" INTEGER,
        "lastUsedStep" INTEGER,
        "createdAt" INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE mfa_recovery_codes (
        "userId" TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        "codeHash" BLOB NOT NULL,
        "usedAt" INTEGER,
        PRIMARY KEY ("userId", "codeHash")
      ) STRICT;

      CREATE TABLE mfa_challenges (
        "challengeHash" BLOB PRIMARY KEY,
        "userId" TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        "expiresAt" INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        outcome TEXT NOT NULL,
        reason TEXT,
        actor TEXT,
        "userId" TEXT,
        "sessionId" TEXT,
        ip TEXT,
        "userAgent" TEXT
      ) STRICT;
      CREATE INDEX audit_events_user ON audit_events ("userId", id);
      CREATE INDEX audit_events_at ON audit_events (at);
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
      BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

      CREATE TABLE address_blocks (
        id TEXT PRIMARY KEY,
        cidr TEXT NOT NULL,
        "until" INTEGER NOT NULL,
        reason TEXT,
        "createdBy" TEXT NOT NULL,
        "createdAt" INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'signing keys activate after being published',
    sql: `
      ALTER TABLE signing_keys ADD COLUMN "activatesAt" INTEGER NOT NULL DEFAULT 0;
      UPDATE signing_keys SET "activatesAt" = "createdAt";
    `,
  },
];
