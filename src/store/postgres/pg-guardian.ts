import type pg from 'pg';
import type {
  AddressBlock,
  AddressBlockStore,
  GuardianStore,
  KnownClientKind,
  KnownClientStore,
  SessionControlStore,
  SessionSummary,
  UserAdminStore,
} from '../../domain/guardian-ports.js';
import { tokenHashBytes, toUser, USER_COLUMNS } from '../rows.js';
import { postgresAudit } from './pg-audit.js';
import { postgresCounters } from './pg-counters.js';
import { postgresMfa } from './pg-mfa.js';
import { inTransaction, runner, toDate } from './pg-run.js';

const SUMMARY_COLUMNS = 'id, "userId", "createdAt", "expiresAt", "lastSeenAt", ip, "userAgent"';

/** Guardian's tables in the same PostgreSQL database (and pool) as the core's. */
export function postgresGuardian(pool: pg.Pool): GuardianStore {
  return {
    counters: postgresCounters(pool),
    ...postgresMfa(pool),
    ...postgresAudit(pool),
    ...knownClients(pool),
    ...addressBlocks(pool),
    ...sessionControl(pool),
    ...userAdmin(pool),
  };
}

function knownClients(pool: pg.Pool): KnownClientStore {
  const run = runner(pool);
  return {
    async findKnownClients(userId, clients, since) {
      const { rows } = await run(
        `SELECT k.kind FROM known_clients k JOIN unnest($2::text[], $3::text[]) AS c(kind, value)
           ON k.kind = c.kind AND k.value = c.value
         WHERE k."userId" = $1 AND k."lastSeenAt" >= $4`,
        [userId, clients.map((c) => c.kind), clients.map((c) => c.value), new Date(since)],
      );
      return rows.map((row: { kind: KnownClientKind }) => row.kind);
    },
    async rememberClients(userId, clients, now) {
      await run(
        `INSERT INTO known_clients ("userId", kind, value, "lastSeenAt")
         SELECT $1, c.kind, c.value, $4 FROM unnest($2::text[], $3::text[]) AS c(kind, value)
         ON CONFLICT ("userId", kind, value) DO UPDATE SET "lastSeenAt" = excluded."lastSeenAt"`,
        [userId, clients.map((c) => c.kind), clients.map((c) => c.value), new Date(now)],
      );
    },
  };
}

function addressBlocks(pool: pg.Pool): AddressBlockStore {
  const run = runner(pool);
  return {
    async insertAddressBlock(block) {
      await run(
        `INSERT INTO address_blocks (id, cidr, "until", reason, "createdBy", "createdAt") VALUES ($1, $2, $3, $4, $5, $6)`,
        [block.id, block.cidr, new Date(block.until), block.reason, block.createdBy, new Date(block.createdAt)],
      );
    },
    async listAddressBlocks(now) {
      const { rows } = await run('SELECT * FROM address_blocks WHERE "until" > $1 ORDER BY "createdAt"', [new Date(now)]);
      return rows as AddressBlock[];
    },
    async deleteAddressBlock(id) {
      return (await run('DELETE FROM address_blocks WHERE id = $1', [id])).rowCount === 1;
    },
  };
}

function sessionControl(pool: pg.Pool): SessionControlStore {
  const run = runner(pool);
  return {
    // One call of create_capped_session (migration 6): the insert, compared
    // against the hash the login verified, and the trim, in one round trip.
    async createCappedSession(session, maxPerUser) {
      const { rows } = await run(
        'SELECT create_capped_session($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS evicted',
        [session.id, tokenHashBytes(session.tokenHash), session.userId, new Date(session.createdAt),
          new Date(session.expiresAt), new Date(session.lastSeenAt), session.ip, session.userAgent,
          session.verifiedHash ?? null, maxPerUser],
      );
      return (rows[0]?.evicted as string[] | null) ?? undefined;
    },
    async listSessionsOfUser(userId) {
      const { rows } = await run(
        `SELECT ${SUMMARY_COLUMNS} FROM sessions WHERE "userId" = $1 ORDER BY "createdAt" DESC`,
        [userId],
      );
      return rows as SessionSummary[];
    },
    async deleteSessionOf(sessionId, userId) {
      const { rows } = await run(
        'DELETE FROM sessions WHERE id = $1 AND ($2::text IS NULL OR "userId" = $2) RETURNING "userId"',
        [sessionId, userId],
      );
      return rows[0]?.userId as string | undefined;
    },
    async requireStepUp(sessionId) {
      await run('UPDATE sessions SET "stepUp" = true WHERE id = $1', [sessionId]);
    },
    async confirmStepUp(sessionId, ip, userAgent) {
      await run('UPDATE sessions SET "stepUp" = false, ip = $2, "userAgent" = $3 WHERE id = $1', [sessionId, ip, userAgent]);
    },
    async shortenSession(sessionId, expiresAt) {
      await run('UPDATE sessions SET "expiresAt" = least("expiresAt", $2) WHERE id = $1', [sessionId, new Date(expiresAt)]);
    },
  };
}

function userAdmin(pool: pg.Pool): UserAdminStore {
  const run = runner(pool);
  return {
    async findUsersByEmailPrefix(emailPrefix, limit) {
      const { rows } = await run(
        `SELECT ${USER_COLUMNS} FROM users WHERE starts_with(email, $1) ORDER BY email LIMIT $2`,
        [emailPrefix, limit],
      );
      return rows.map(toUser);
    },
    async findUserById(userId) {
      const { rows } = await run(`SELECT ${USER_COLUMNS}, "disabledAt" FROM users WHERE id = $1`, [userId]);
      const row = rows[0];
      return row && { ...toUser(row), disabled: row.disabledAt !== null };
    },
    async setUserDisabled(userId, disabledAt) {
      return inTransaction(pool, async (tx) => {
        const { rowCount } = await tx('UPDATE users SET "disabledAt" = $2 WHERE id = $1', [userId, toDate(disabledAt)]);
        if (disabledAt !== null) await tx('DELETE FROM sessions WHERE "userId" = $1', [userId]);
        return rowCount === 1;
      });
    },
    async setUserRole(userId, role, updatedAt) {
      const { rowCount } = await run('UPDATE users SET role = $2, "updatedAt" = $3 WHERE id = $1', [
        userId,
        role,
        new Date(updatedAt),
      ]);
      return rowCount === 1;
    },
  };
}
