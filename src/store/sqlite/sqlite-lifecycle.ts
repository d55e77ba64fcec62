import type Database from 'better-sqlite3';
import { EmailTaken } from '../../domain/errors.js';
import type {
  AccountDataStore,
  DeviceRecord,
  LifecycleStore,
  LinkGrant,
  LinkTokenStore,
  OutboxStore,
  SessionRecord,
} from '../../domain/lifecycle-ports.js';
import type { LinkPurpose } from '../../domain/link-tokens.js';
import type { MailRecord, NewMail } from '../../domain/mail.js';
import {
  CLAIMED_MAIL_COLUMNS,
  DEVICE_RECORD_COLUMNS,
  MAIL_RECORD_COLUMNS,
  outcomeColumns,
  purgeStatement,
  SESSION_RECORD_COLUMNS,
  toClaimedMail,
  type ClaimedMailRow,
} from '../lifecycle-rows.js';
import { prepared } from './statements.js';

const INSERT_MAIL = `INSERT INTO mail_outbox (id, kind, "userId", recipient, data, "dueAt", "createdAt")
  VALUES (@id, @kind, @userId, @recipient, @data, @createdAt, @createdAt)`;

/**
 * Queues mail inside the caller's transaction: the outbox row commits or
 * rolls back with the change it reports. better-sqlite3 is synchronous, so
 * this runs within whatever `db.transaction` is open.
 */
export function insertMail(db: Database.Database, mail: readonly NewMail[]): void {
  if (mail.length === 0) return;
  const insert = prepared(db, INSERT_MAIL);
  for (const row of mail) insert.run({ ...row, data: JSON.stringify(row.data) });
}

/** The lifecycle tables in the same SQLite file as the core's. */
export function sqliteLifecycle(db: Database.Database): LifecycleStore {
  return { ...outbox(db), ...linkTokens(db), ...accountData(db) };
}

/**
 * SQLite has one writer at a time, so a single UPDATE ... RETURNING claims
 * rows atomically; the embedded engine runs one instance anyway.
 */
function outbox(db: Database.Database): OutboxStore {
  return {
    async enqueueMail(mail) {
      db.transaction(() => insertMail(db, mail))();
    },
    async claimMail(now, leaseUntil, limit) {
      const claim = prepared(db, `UPDATE mail_outbox SET attempts = attempts + 1, "dueAt" = @leaseUntil
        WHERE id IN (SELECT id FROM mail_outbox WHERE status = 'pending' AND "dueAt" <= @now ORDER BY "dueAt" LIMIT @limit)
        RETURNING ${CLAIMED_MAIL_COLUMNS}`);
      return (claim.all({ now, leaseUntil, limit }) as ClaimedMailRow[]).map(toClaimedMail);
    },
    async settleMail(id, outcome) {
      const columns = outcomeColumns(outcome);
      const assignments = Object.keys(columns).map((name) => `"${name}" = @${name}`).join(', ');
      prepared(db, `UPDATE mail_outbox SET ${assignments} WHERE id = @id AND status = 'pending'`).run({ ...columns, id });
    },
    async listMailOfUser(userId) {
      return prepared(db, `SELECT ${MAIL_RECORD_COLUMNS} FROM mail_outbox WHERE "userId" = ? ORDER BY "createdAt"`)
        .all(userId) as MailRecord[];
    },
  };
}

// Statements are prepared when used, not when the store is built: the tables exist only once migrations ran.
function linkTokens(db: Database.Database): LinkTokenStore {
  const consume = (tokenHash: Buffer, purpose: LinkPurpose, now: number) =>
    prepared(db, `UPDATE link_tokens SET "usedAt" = @now
        WHERE "tokenHash" = @tokenHash AND purpose = @purpose AND "usedAt" IS NULL AND "expiresAt" > @now
        RETURNING "userId", email`)
      .get({ tokenHash, purpose, now }) as LinkGrant | undefined;

  return {
    async saveLinkToken(token) {
      db.transaction(() => {
        prepared(db, 'DELETE FROM link_tokens WHERE "userId" = ? AND purpose = ?').run(token.userId, token.purpose);
        prepared(db, `INSERT INTO link_tokens ("tokenHash", purpose, "userId", email, "createdAt", "expiresAt")
          VALUES (@tokenHash, @purpose, @userId, @email, @createdAt, @expiresAt)`).run(token);
      }).immediate();
    },
    async peekLinkToken(tokenHash, purpose, now) {
      return prepared(db, `SELECT "userId", email FROM link_tokens
          WHERE "tokenHash" = ? AND purpose = ? AND "usedAt" IS NULL AND "expiresAt" > ?`)
        .get(tokenHash, purpose, now) as LinkGrant | undefined;
    },
    async verifyEmail({ tokenHash, now }) {
      return db.transaction(() => {
        const grant = consume(tokenHash, 'verify_email', now);
        if (!grant) return undefined;
        const marked = prepared(db, `UPDATE users SET "emailVerified" = COALESCE("emailVerified", @now), "updatedAt" = @now
            WHERE id = @userId AND email = @email`)
          .run({ ...grant, now });
        return marked.changes === 1 ? grant : undefined;
      }).immediate();
    },
    async resetPassword({ tokenHash, now, hashedPassword, mail }) {
      return db.transaction(() => {
        const grant = consume(tokenHash, 'reset_password', now);
        if (!grant) return undefined;
        // The link reached this address, so the address is proven too.
        prepared(db, `UPDATE users SET "hashedPassword" = @hashedPassword, "hashOrigin" = 'native', "updatedAt" = @now,
            "emailVerified" = CASE WHEN email = @email THEN COALESCE("emailVerified", @now) ELSE "emailVerified" END
          WHERE id = @userId`).run({ ...grant, hashedPassword, now });
        prepared(db, 'DELETE FROM sessions WHERE "userId" = ?').run(grant.userId);
        insertMail(db, mail);
        return grant;
      }).immediate();
    },
    async changeEmail({ tokenHash, now, notice }) {
      return db.transaction(() => {
        const grant = consume(tokenHash, 'change_email', now);
        const old = grant && (prepared(db, 'SELECT email FROM users WHERE id = ?').pluck().get(grant.userId) as string | undefined);
        if (!grant || old === undefined) return 'invalid' as const;
        moveEmail(db, grant, now);
        if (notice) insertMail(db, [{ ...notice, userId: grant.userId, recipient: old }]);
        return { userId: grant.userId, oldEmail: old };
      }).immediate();
    },
  };
}

function moveEmail(db: Database.Database, grant: LinkGrant, now: number): void {
  try {
    prepared(db, 'UPDATE users SET email = @email, "emailVerified" = @now, "updatedAt" = @now WHERE id = @userId').run({ ...grant, now });
    // Links mailed to the old address must not act on the account any more.
    prepared(db, 'DELETE FROM link_tokens WHERE "userId" = ? AND "usedAt" IS NULL').run(grant.userId);
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new EmailTaken();
    throw error;
  }
}

function accountData(db: Database.Database): AccountDataStore {
  return {
    async recordSignIn(sighting, noticeIfNew) {
      return db.transaction(() => {
        // Two index probes, however many devices the account has signed in from.
        const prior = prepared(db, `SELECT EXISTS (SELECT 1 FROM known_devices WHERE "userId" = @userId) AS anyDevice,
          EXISTS (SELECT 1 FROM known_devices WHERE "userId" = @userId AND "deviceKey" = @deviceKey) AS same`)
          .get(sighting) as { anyDevice: number; same: number };
        prepared(db, `INSERT INTO known_devices ("userId", "deviceKey", ip, "userAgent", "firstSeenAt", "lastSeenAt")
          VALUES (@userId, @deviceKey, @ip, @userAgent, @at, @at)
          ON CONFLICT DO UPDATE SET "lastSeenAt" = excluded."lastSeenAt"`).run(sighting);
        if (prior.same) return 'known' as const;
        if (!prior.anyDevice) return 'first' as const;
        if (noticeIfNew) insertMail(db, [noticeIfNew]);
        return 'new' as const;
      }).immediate();
    },
    async listSessionsOfUser(userId) {
      return prepared(db, `SELECT ${SESSION_RECORD_COLUMNS} FROM sessions WHERE "userId" = ? ORDER BY "createdAt"`)
        .all(userId) as SessionRecord[];
    },
    async listDevicesOfUser(userId) {
      return prepared(db, `SELECT ${DEVICE_RECORD_COLUMNS} FROM known_devices WHERE "userId" = ? ORDER BY "firstSeenAt"`)
        .all(userId) as DeviceRecord[];
    },
    async deleteUser(userId) {
      return db.transaction(() => {
        const email = prepared(db, 'SELECT email FROM users WHERE id = ?').pluck().get(userId) as string | undefined;
        if (email === undefined) return false;
        // Reset requests name an address, not an account: they go too.
        prepared(db, `DELETE FROM mail_outbox WHERE "userId" IS NULL AND recipient = ?`).run(email);
        prepared(db, 'DELETE FROM users WHERE id = ?').run(userId);
        return true;
      }).immediate();
    },
    async purgeBatch(target, cutoffs, limit) {
      const statement = purgeStatement(target, cutoffs);
      return prepared(db, statement.sql).run(...statement.cutoffs, limit).changes;
    },
  };
}
