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
    version: 4,
    name: 'signing keys activate after being published',
    sql: `
      ALTER TABLE signing_keys ADD COLUMN "activatesAt" INTEGER NOT NULL DEFAULT 0;
      UPDATE signing_keys SET "activatesAt" = "createdAt";
    `,
  },
];
