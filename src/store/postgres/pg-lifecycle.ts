import type pg from 'pg';
import { EmailTaken } from '../../domain/errors.js';
import type {
  AccountDataStore,
  LifecycleStore,
  LinkGrant,
  LinkTokenStore,
  OutboxStore,
} from '../../domain/lifecycle-ports.js';
import type { LinkPurpose } from '../../domain/link-tokens.js';
import type { NewMail } from '../../domain/mail.js';
import {
  CLAIMED_MAIL_COLUMNS,
  DEVICE_RECORD_COLUMNS,
  MAIL_RECORD_COLUMNS,
  outcomeColumns,
  purgeStatement,
  SESSION_RECORD_COLUMNS,
  toClaimedMail,
} from '../lifecycle-rows.js';
import type { PostgresStore } from './postgres-store.js';

type Client = Pick<pg.PoolClient, 'query'>;

const TIME_COLUMNS = new Set(['dueAt', 'settledAt']);

/** Queues mail inside the caller's transaction, so it commits or rolls back with the change. */
export async function insertMail(client: Client, mail: readonly NewMail[]): Promise<void> {
  for (const row of mail) {
    await client.query(
      `INSERT INTO mail_outbox (id, kind, "userId", recipient, data, "dueAt", "createdAt")
       VALUES ($1, $2, $3, $4, $5, $6, $6)`,
      [row.id, row.kind, row.userId, row.recipient, JSON.stringify(row.data), new Date(row.createdAt)],
    );
  }
}

/** The lifecycle tables in the same database and pool as the core's. */
export function pgLifecycle(store: PostgresStore): LifecycleStore {
  return { ...outbox(store), ...linkTokens(store), ...accountData(store) };
}

/**
 * Several instances claim from one table: `FOR UPDATE SKIP LOCKED` lets each
 * take rows no other is taking, without waiting on them; the lease written in
 * the same statement keeps them taken after the statement commits.
 */
function outbox(store: PostgresStore): OutboxStore {
  return {
    async enqueueMail(mail) {
      await store.transaction((client) => insertMail(client, mail));
    },
    async claimMail(now, leaseUntil, limit) {
      const { rows } = await store.query(
        `UPDATE mail_outbox SET attempts = attempts + 1, "dueAt" = $2
         WHERE id IN (SELECT id FROM mail_outbox WHERE status = 'pending' AND "dueAt" <= $1
           ORDER BY "dueAt" LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING ${CLAIMED_MAIL_COLUMNS}`,
        [new Date(now), new Date(leaseUntil), limit],
      );
      return rows.map(toClaimedMail);
    },
    async settleMail(id, outcome) {
      const columns = Object.entries(outcomeColumns(outcome));
      const assignments = columns.map(([name], index) => `"${name}" = $${index + 2}`).join(', ');
      const values = columns.map(([name, value]) => (TIME_COLUMNS.has(name) ? new Date(value as number) : value));
      await store.query(`UPDATE mail_outbox SET ${assignments} WHERE id = $1 AND status = 'pending'`, [id, ...values]);
    },
    async listMailOfUser(userId) {
      const { rows } = await store.query(
        `SELECT ${MAIL_RECORD_COLUMNS} FROM mail_outbox WHERE "userId" = $1 ORDER BY "createdAt"`,
        [userId],
      );
      return rows;
    },
  };
}

const USE_TOKEN = `UPDATE link_tokens SET "usedAt" = $3
  WHERE "tokenHash" = $1 AND purpose = $2 AND "usedAt" IS NULL AND "expiresAt" > $3
  RETURNING "userId", email`;

/** The row lock UPDATE takes makes a second, concurrent use wait, then find the token used. */
async function consume(client: Client, tokenHash: Buffer, purpose: LinkPurpose, now: number): Promise<LinkGrant | undefined> {
  const { rows } = await client.query(USE_TOKEN, [tokenHash, purpose, new Date(now)]);
  return rows[0] as LinkGrant | undefined;
}

function linkTokens(store: PostgresStore): LinkTokenStore {
  return {
    async saveLinkToken(token) {
      await store.transaction(async (client) => {
        await client.query('DELETE FROM link_tokens WHERE "userId" = $1 AND purpose = $2', [token.userId, token.purpose]);
        await client.query(
          `INSERT INTO link_tokens ("tokenHash", purpose, "userId", email, "createdAt", "expiresAt")
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [token.tokenHash, token.purpose, token.userId, token.email, new Date(token.createdAt), new Date(token.expiresAt)],
        );
      });
    },
    async peekLinkToken(tokenHash, purpose, now) {
      const { rows } = await store.query(
        `SELECT "userId", email FROM link_tokens
         WHERE "tokenHash" = $1 AND purpose = $2 AND "usedAt" IS NULL AND "expiresAt" > $3`,
        [tokenHash, purpose, new Date(now)],
      );
      return rows[0];
    },
    async verifyEmail({ tokenHash, now }) {
      return store.transaction(async (client) => {
        const grant = await consume(client, tokenHash, 'verify_email', now);
        if (!grant) return undefined;
        const marked = await client.query(
          `UPDATE users SET "emailVerified" = COALESCE("emailVerified", $3), "updatedAt" = $3
           WHERE id = $1 AND email = $2`,
          [grant.userId, grant.email, new Date(now)],
        );
        return marked.rowCount === 1 ? grant : undefined;
      });
    },
    async resetPassword({ tokenHash, now, hashedPassword, mail }) {
      return store.transaction(async (client) => {
        const grant = await consume(client, tokenHash, 'reset_password', now);
        if (!grant) return undefined;
        // The link reached this address, so the address is proven too.
        await client.query(
          `UPDATE users SET "hashedPassword" = $3, "hashOrigin" = 'native', "updatedAt" = $4,
             "emailVerified" = CASE WHEN email = $2 THEN COALESCE("emailVerified", $4) ELSE "emailVerified" END
           WHERE id = $1`,
          [grant.userId, grant.email, hashedPassword, new Date(now)],
        );
        await client.query('DELETE FROM sessions WHERE "userId" = $1', [grant.userId]);
        await insertMail(client, mail);
        return grant;
      });
    },
    async changeEmail({ tokenHash, now, notice }) {
      try {
        return await store.transaction(async (client) => {
          const grant = await consume(client, tokenHash, 'change_email', now);
          const old = grant && (await client.query('SELECT email FROM users WHERE id = $1 FOR UPDATE', [grant.userId])).rows[0];
          if (!grant || !old) return 'invalid' as const;
          await moveEmail(client, grant, now);
          if (notice) await insertMail(client, [{ ...notice, userId: grant.userId, recipient: old.email }]);
          return { userId: grant.userId, oldEmail: old.email as string };
        });
      } catch (error) {
        const { code, constraint } = error as { code?: string; constraint?: string };
        if (code === '23505' && constraint === 'users_email_key') throw new EmailTaken();
        throw error;
      }
    },
  };
}

async function moveEmail(client: Client, grant: LinkGrant, now: number): Promise<void> {
  await client.query('UPDATE users SET email = $2, "emailVerified" = $3, "updatedAt" = $3 WHERE id = $1', [
    grant.userId,
    grant.email,
    new Date(now),
  ]);
  // Links mailed to the old address must not act on the account any more.
  await client.query('DELETE FROM link_tokens WHERE "userId" = $1 AND "usedAt" IS NULL', [grant.userId]);
}

/**
 * One statement reads what was known, remembers the device and queues the
 * notice when the device is new and not the account's first: the pieces see
 * one snapshot and commit together.
 */
// Two index probes, however many devices the account has signed in from.
const RECORD_SIGN_IN = `WITH prior AS (
    SELECT EXISTS (SELECT 1 FROM known_devices WHERE "userId" = $1) AS "anyDevice",
      EXISTS (SELECT 1 FROM known_devices WHERE "userId" = $1 AND "deviceKey" = $2) AS same
  ), seen AS (
    INSERT INTO known_devices ("userId", "deviceKey", ip, "userAgent", "firstSeenAt", "lastSeenAt")
    VALUES ($1, $2, $3, $4, $5, $5)
    ON CONFLICT ("userId", "deviceKey") DO UPDATE SET "lastSeenAt" = EXCLUDED."lastSeenAt"
  ), notice AS (
    INSERT INTO mail_outbox (id, kind, "userId", recipient, data, "dueAt", "createdAt")
    SELECT $6::text, $7::text, $1, $8::text, $9::jsonb, $5, $5 FROM prior
    WHERE "anyDevice" AND NOT same AND $6::text IS NOT NULL
  )
  SELECT "anyDevice", same FROM prior`;

function accountData(store: PostgresStore): AccountDataStore {
  return {
    async recordSignIn(sighting, notice) {
      const { userId, deviceKey, ip, userAgent, at } = sighting;
      const mail = notice ? [notice.id, notice.kind, notice.recipient, JSON.stringify(notice.data)] : [null, null, null, null];
      const { rows } = await store.query(RECORD_SIGN_IN, [userId, deviceKey, ip, userAgent, new Date(at), ...mail]);
      const { anyDevice, same } = rows[0] as { anyDevice: boolean; same: boolean };
      return same ? 'known' : anyDevice ? 'new' : 'first';
    },
    async listSessionsOfUser(userId) {
      const { rows } = await store.query(
        `SELECT ${SESSION_RECORD_COLUMNS} FROM sessions WHERE "userId" = $1 ORDER BY "createdAt"`,
        [userId],
      );
      return rows;
    },
    async listDevicesOfUser(userId) {
      const { rows } = await store.query(
        `SELECT ${DEVICE_RECORD_COLUMNS} FROM known_devices WHERE "userId" = $1 ORDER BY "firstSeenAt"`,
        [userId],
      );
      return rows;
    },
    async deleteUser(userId) {
      return store.transaction(async (client) => {
        const { rows } = await client.query('DELETE FROM users WHERE id = $1 RETURNING email', [userId]);
        if (rows.length === 0) return false;
        // Reset requests name an address, not an account: they go too.
        await client.query('DELETE FROM mail_outbox WHERE "userId" IS NULL AND recipient = $1', [rows[0].email]);
        return true;
      });
    },
    async purgeBatch(target, cutoffs, limit) {
      const statement = purgeStatement(target, cutoffs, ' FOR UPDATE SKIP LOCKED');
      let marker = 0;
      const sql = statement.sql.replace(/\?/g, () => `$${++marker}`);
      const { rowCount } = await store.query(sql, [...statement.cutoffs.map((ms) => new Date(ms)), limit]);
      return rowCount ?? 0;
    },
  };
}
