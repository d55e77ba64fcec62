import type { Migration } from '../migration.js';

/**
 * The PostgreSQL schema history. Column names follow the app's Prisma schema
 * (quoted camel case), so its users table maps over one to one.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, sessions and signing keys',
    sql: `
      CREATE TABLE users (
        id text PRIMARY KEY,
        email text NOT NULL,
        name text,
        image text,
        role text NOT NULL,
        "teamName" text,
        "hashedPassword" text,
        "hashOrigin" text NOT NULL DEFAULT 'native' CHECK ("hashOrigin" IN ('native', 'imported')),
        "emailVerified" timestamptz,
        "disabledAt" timestamptz,
        "createdAt" timestamptz NOT NULL,
        "updatedAt" timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX users_email_key ON users (email);

      CREATE TABLE sessions (
        id text PRIMARY KEY,
        "tokenHash" bytea NOT NULL,
        "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        "createdAt" timestamptz NOT NULL,
        "expiresAt" timestamptz NOT NULL,
        "lastSeenAt" timestamptz NOT NULL,
        ip text,
        "userAgent" text
      );
      CREATE UNIQUE INDEX sessions_token_hash_key ON sessions ("tokenHash");
      CREATE INDEX sessions_user ON sessions ("userId");
      CREATE INDEX sessions_expiry ON sessions ("expiresAt");

      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        "publicJwk" text NOT NULL,
        "privateKeySealed" text NOT NULL,
        "createdAt" timestamptz NOT NULL,
        "retiresAt" timestamptz
      );
    `,
  },
  {
    version: 3,
    name: 'lifecycle: mail outbox, link tokens, known devices',
    sql: `
      CREATE TABLE mail_outbox (
        id text PRIMARY KEY,
        kind text NOT NULL,
        "userId" text REFERENCES users (id) ON DELETE CASCADE,
        recipient text NOT NULL,
        data jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
        attempts integer NOT NULL DEFAULT 0,
        "dueAt" timestamptz NOT NULL,
        subject text,
        "lastError" text,
        "createdAt" timestamptz NOT NULL,
        "settledAt" timestamptz
      );
      CREATE INDEX mail_outbox_due ON mail_outbox ("dueAt") WHERE status = 'pending';
      CREATE INDEX mail_outbox_user ON mail_outbox ("userId");
      CREATE INDEX mail_outbox_settled ON mail_outbox ("settledAt") WHERE status <> 'pending';

      CREATE TABLE link_tokens (
        "tokenHash" bytea PRIMARY KEY,
        purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
        "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        email text NOT NULL,
        "createdAt" timestamptz NOT NULL,
        "expiresAt" timestamptz NOT NULL,
        "usedAt" timestamptz
      );
      CREATE INDEX link_tokens_user ON link_tokens ("userId", purpose);
      CREATE INDEX link_tokens_expiry ON link_tokens ("expiresAt");

      CREATE TABLE known_devices (
        "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        "deviceKey" bytea NOT NULL,
        ip text,
        "userAgent" text,
        "firstSeenAt" timestamptz NOT NULL,
        "lastSeenAt" timestamptz NOT NULL,
        PRIMARY KEY ("userId", "deviceKey")
      );
      CREATE INDEX known_devices_seen ON known_devices ("lastSeenAt");
    `,
  },
  {
    version: 4,
    name: 'signing keys activate after being published',
    sql: `
      ALTER TABLE signing_keys ADD COLUMN "activatesAt" timestamptz;
      UPDATE signing_keys SET "activatesAt" = "createdAt";
      ALTER TABLE signing_keys ALTER COLUMN "activatesAt" SET NOT NULL;
    `,
  },
];
