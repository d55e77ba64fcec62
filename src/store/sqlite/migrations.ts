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
    version: 3,
    name: 'lifecycle: mail outbox, link tokens, known devices',
    sql: `
      CREATE TABLE mail_outbox (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        "userId" TEXT REFERENCES users (id) ON DELETE CASCADE,
        recipient TEXT NOT NULL,
        data TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
        attempts INTEGER NOT NULL DEFAULT 0,
        "dueAt" INTEGER NOT NULL,
        subject TEXT,
        "lastError" TEXT,
        "createdAt" INTEGER NOT NULL,
        "settledAt" INTEGER
      ) STRICT;
      CREATE INDEX mail_outbox_due ON mail_outbox ("dueAt") WHERE status = 'pending';
      CREATE INDEX mail_outbox_user ON mail_outbox ("userId");
      CREATE INDEX mail_outbox_settled ON mail_outbox ("settledAt") WHERE status <> 'pending';

      CREATE TABLE link_tokens (
        "tokenHash" BLOB PRIMARY KEY,
        purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
        "userId" TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        "createdAt" INTEGER NOT NULL,
        "expiresAt" INTEGER NOT NULL,
        "usedAt" INTEGER
      ) STRICT;
      CREATE INDEX link_tokens_user ON link_tokens ("userId", purpose);
      CREATE INDEX link_tokens_expiry ON link_tokens ("expiresAt");

      CREATE TABLE known_devices (
        "userId" TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        "deviceKey" BLOB NOT NULL,
        ip TEXT,
        "userAgent" TEXT,
        "firstSeenAt" INTEGER NOT NULL,
        "lastSeenAt" INTEGER NOT NULL,
        PRIMARY KEY ("userId", "deviceKey")
      ) STRICT;
      CREATE INDEX known_devices_seen ON known_devices ("lastSeenAt");
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
  {
    version: 5,
    name: 'audit events: the deleted-account pseudonymisation is the one update allowed',
    sql: `
      DROP TRIGGER audit_events_append_only;
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
      WHEN NOT (
        NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.type = OLD.type AND NEW.outcome = OLD.outcome
        AND NEW.reason IS OLD.reason AND NEW."sessionId" IS OLD."sessionId"
        AND (NEW."userId" IS OLD."userId" OR substr(NEW."userId", 1, 5) = 'anon_')
        AND (NEW.actor IS OLD.actor OR substr(NEW.actor, 1, 10) = 'user:anon_')
        AND NEW.ip IS NULL AND NEW."userAgent" IS NULL
      )
      BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    `,
  },
];
