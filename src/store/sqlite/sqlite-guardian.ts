import type Database from 'better-sqlite3';
import type {
  AddressBlock,
  AddressBlockStore,
  GuardianStore,
  KnownClientStore,
  SessionControlStore,
  SessionSummary,
  UserAdminStore,
} from '../../domain/guardian-ports.js';
import { tokenHashBytes, toUser, USER_COLUMNS, type UserRow } from '../rows.js';
import { sqliteAudit } from './sqlite-audit.js';
import { sqliteCounters } from './sqlite-counters.js';
import { sqliteMfa } from './sqlite-mfa.js';
import { prepared } from './statements.js';

const SUMMARY_COLUMNS = 'id, "userId", "createdAt", "expiresAt", "lastSeenAt", ip, "userAgent"';

/** Guardian's tables in the same SQLite file as the core's. */
export function sqliteGuardian(db: Database.Database): GuardianStore {
  return {
    counters: sqliteCounters(db),
    ...sqliteMfa(db),
    ...sqliteAudit(db),
    ...knownClients(db),
    ...addressBlocks(db),
    ...sessionControl(db),
    ...userAdmin(db),
  };
}

function knownClients(db: Database.Database): KnownClientStore {
  const find = prepared(db, `SELECT 1 FROM known_clients
    WHERE "userId" = ? AND kind = ? AND value = ? AND "lastSeenAt" >= ?`);
  const upsert = prepared(db, `INSERT INTO known_clients ("userId", kind, value, "lastSeenAt") VALUES (?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET "lastSeenAt" = excluded."lastSeenAt"`);
  return {
    async findKnownClients(userId, clients, since) {
      return clients.filter((client) => find.get(userId, client.kind, client.value, since)).map((client) => client.kind);
    },
    async rememberClients(userId, clients, now) {
      db.transaction(() => clients.forEach((client) => upsert.run(userId, client.kind, client.value, now)))();
    },
  };
}

function addressBlocks(db: Database.Database): AddressBlockStore {
  return {
    async insertAddressBlock(block) {
      prepared(db, `INSERT INTO address_blocks (id, cidr, "until", reason, "createdBy", "createdAt")
        VALUES (@id, @cidr, @until, @reason, @createdBy, @createdAt)`).run(block);
    },
    async listAddressBlocks(now) {
      return prepared(db, 'SELECT * FROM address_blocks WHERE "until" > ? ORDER BY "createdAt"').all(now) as AddressBlock[];
    },
    async deleteAddressBlock(id) {
      return prepared(db, 'DELETE FROM address_blocks WHERE id = ?').run(id).changes === 1;
    },
  };
}

function sessionControl(db: Database.Database): SessionControlStore {
  // With a verified hash, the insert happens only if the password is still the one the login checked.
  const insert = prepared(db, `INSERT INTO sessions (id, "tokenHash", "userId", "createdAt", "expiresAt",
    "lastSeenAt", ip, "userAgent") SELECT @id, @tokenHash, @userId, @createdAt, @expiresAt,
    @lastSeenAt, @ip, @userAgent WHERE @verifiedHash IS NULL
      OR EXISTS (SELECT 1 FROM users WHERE id = @userId AND "hashedPassword" = @verifiedHash)`);
  const beyondCap = prepared(db, `DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE "userId" = ?
    ORDER BY "createdAt" DESC, id DESC LIMIT -1 OFFSET ?) RETURNING id`).pluck();
  return {
    async createCappedSession(session, maxPerUser) {
      return db.transaction(() => {
        const row = { ...session, tokenHash: tokenHashBytes(session.tokenHash), verifiedHash: session.verifiedHash ?? null };
        if (insert.run(row).changes === 0) return undefined;
        return beyondCap.all(session.userId, maxPerUser) as string[];
      }).immediate();
    },
    async listSessionsOfUser(userId) {
      return prepared(db, `SELECT ${SUMMARY_COLUMNS} FROM sessions WHERE "userId" = ? ORDER BY "createdAt" DESC`)
        .all(userId) as SessionSummary[];
    },
    async deleteSessionOf(sessionId, userId) {
      const row = prepared(db, 'DELETE FROM sessions WHERE id = @sessionId AND (@userId IS NULL OR "userId" = @userId) RETURNING "userId"')
        .get({ sessionId, userId }) as { userId: string } | undefined;
      return row?.userId;
    },
    async requireStepUp(sessionId) {
      prepared(db, 'UPDATE sessions SET "stepUp" = 1 WHERE id = ?').run(sessionId);
    },
    async confirmStepUp(sessionId, ip, userAgent) {
      prepared(db, 'UPDATE sessions SET "stepUp" = 0, ip = ?, "userAgent" = ? WHERE id = ?').run(ip, userAgent, sessionId);
    },
    async shortenSession(sessionId, expiresAt) {
      prepared(db, 'UPDATE sessions SET "expiresAt" = min("expiresAt", ?) WHERE id = ?').run(expiresAt, sessionId);
    },
  };
}

function userAdmin(db: Database.Database): UserAdminStore {
  return {
    async findUsersByEmailPrefix(emailPrefix, limit) {
      const rows = prepared(db, `SELECT ${USER_COLUMNS} FROM users WHERE substr(email, 1, length(@emailPrefix)) = @emailPrefix
          ORDER BY email LIMIT @limit`)
        .all({ emailPrefix, limit }) as UserRow[];
      return rows.map(toUser);
    },
    async findUserById(userId) {
      const row = prepared(db, `SELECT ${USER_COLUMNS}, "disabledAt" FROM users WHERE id = ?`).get(userId) as
        | (UserRow & { disabledAt: number | null })
        | undefined;
      return row && { ...toUser(row), disabled: row.disabledAt !== null };
    },
    async setUserDisabled(userId, disabledAt) {
      return db.transaction(() => {
        const changed = prepared(db, 'UPDATE users SET "disabledAt" = ? WHERE id = ?').run(disabledAt, userId).changes;
        if (disabledAt !== null) prepared(db, 'DELETE FROM sessions WHERE "userId" = ?').run(userId);
        return changed === 1;
      }).immediate();
    },
    async setUserRole(userId, role, updatedAt) {
      return prepared(db, 'UPDATE users SET role = ?, "updatedAt" = ? WHERE id = ?').run(role, updatedAt, userId).changes === 1;
    },
  };
}
