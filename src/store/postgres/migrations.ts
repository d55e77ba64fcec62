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
    version: 2,
    name: 'guardian: counters, known clients, TOTP, challenges, audit, address blocks',
    sql: `
      ALTER TABLE sessions ADD COLUMN "stepUp" boolean NOT NULL DEFAULT false;

      -- Counter times are epoch milliseconds: the window arithmetic happens in the upsert.
      -- UNLOGGED: an increment commits without waiting for a WAL flush (a login makes
      -- several); the price is that a crash or a failover to a standby resets the counters.
      CREATE UNLOGGED TABLE attempt_counters (
        key text PRIMARY KEY,
        count integer NOT NULL,
        "startedAt" bigint NOT NULL,
        "endsAt" bigint NOT NULL
      );
      CREATE INDEX attempt_counters_ends ON attempt_counters ("endsAt");

      CREATE TABLE known_clients (
        "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('device', 'address')),
        value text NOT NULL,
        "lastSeenAt" timestamptz NOT NULL,
        PRIMARY KEY ("userId", kind, value)
      );

      CREATE TABLE mfa_totp (
        "userId" text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        "secretSealed" text NOT NULL,
        "confirmedAt" timestamptz,
        "lastUsedStep" integer,
        "createdAt" timestamptz NOT NULL
      );

      CREATE TABLE mfa_recovery_codes (
        "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        "codeHash" bytea NOT NULL,
        "usedAt" timestamptz,
        PRIMARY KEY ("userId", "codeHash")
      );

      CREATE TABLE mfa_challenges (
        "challengeHash" bytea PRIMARY KEY,
        "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        "expiresAt" timestamptz NOT NULL
      );

      CREATE TABLE audit_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL,
        type text NOT NULL,
        outcome text NOT NULL,
        reason text,
        actor text,
        "userId" text,
        "sessionId" text,
        ip text,
        "userAgent" text
      );
      CREATE INDEX audit_events_user ON audit_events ("userId", id);
      CREATE INDEX audit_events_at ON audit_events (at);
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$;
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

      CREATE TABLE address_blocks (
        id text PRIMARY KEY,
        cidr text NOT NULL,
        "until" timestamptz NOT NULL,
        reason text,
        "createdBy" text NOT NULL,
        "createdAt" timestamptz NOT NULL
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
  {
    version: 5,
    name: 'audit events: the deleted-account pseudonymisation is the one update allowed',
    sql: `
      CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.type = OLD.type AND NEW.outcome = OLD.outcome
          AND NEW.reason IS NOT DISTINCT FROM OLD.reason AND NEW."sessionId" IS NOT DISTINCT FROM OLD."sessionId"
          AND (NEW."userId" IS NOT DISTINCT FROM OLD."userId" OR left(NEW."userId", 5) = 'anon_')
          AND (NEW.actor IS NOT DISTINCT FROM OLD.actor OR left(NEW.actor, 10) = 'user:anon_')
          AND NEW.ip IS NULL AND NEW."userAgent" IS NULL THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit events are append-only';
      END $$;
    `,
  },
  {
    version: 6,
    name: 'a login makes its session and keeps the cap in one call',
    // One round trip instead of two. The user's row is locked first: logins of
    // one user queue here, so each trim sees the sessions of those before it,
    // and a password change in flight is waited for and its hash compared.
    // Each statement of a function reads what is committed when it starts.
    sql: `
      CREATE FUNCTION create_capped_session(
        p_id text, p_token bytea, p_user text, p_created timestamptz, p_expires timestamptz,
        p_seen timestamptz, p_ip text, p_agent text, p_verified_hash text, p_cap integer
      ) RETURNS text[] LANGUAGE plpgsql AS $$
      DECLARE
        current_hash text;
        evicted text[];
      BEGIN
        SELECT "hashedPassword" INTO current_hash FROM users WHERE id = p_user FOR NO KEY UPDATE;
        IF NOT FOUND OR (p_verified_hash IS NOT NULL AND current_hash IS DISTINCT FROM p_verified_hash) THEN
          RETURN NULL;
        END IF;
        INSERT INTO sessions (id, "tokenHash", "userId", "createdAt", "expiresAt", "lastSeenAt", ip, "userAgent")
          VALUES (p_id, p_token, p_user, p_created, p_expires, p_seen, p_ip, p_agent);
        WITH gone AS (
          DELETE FROM sessions WHERE id IN (
            SELECT id FROM sessions WHERE "userId" = p_user ORDER BY "createdAt" DESC, id DESC OFFSET p_cap)
          RETURNING id)
        SELECT coalesce(array_agg(id), '{}') INTO evicted FROM gone;
        RETURN evicted;
      END $$;
    `,
  },
];
