import type { PurgeCutoffs, PurgeTarget } from '../domain/lifecycle-ports.js';
import type { ClaimedMail, MailKind, MailOutcome } from '../domain/mail.js';

/**
 * Row shapes and SQL the lifecycle adapters of both engines share. Both name
 * columns alike and hand times over as epoch milliseconds; only parameter
 * markers and the JSON column's type differ.
 */
export const CLAIMED_MAIL_COLUMNS = 'id, kind, "userId", recipient, data, attempts, "createdAt"';
export const MAIL_RECORD_COLUMNS = 'kind, status, subject, "createdAt", "settledAt"';
export const SESSION_RECORD_COLUMNS = 'id, "createdAt", "expiresAt", "lastSeenAt", ip, "userAgent"';
export const DEVICE_RECORD_COLUMNS = 'ip, "userAgent", "firstSeenAt", "lastSeenAt"';

export interface ClaimedMailRow {
  id: string;
  kind: string;
  userId: string | null;
  recipient: string;
  /** JSON text in SQLite, already parsed from jsonb in PostgreSQL. */
  data: string | Record<string, string>;
  attempts: number;
  createdAt: number;
}

export function toClaimedMail(row: ClaimedMailRow): ClaimedMail {
  const data = typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, string>) : row.data;
  return { ...row, kind: row.kind as MailKind, data };
}

/** The columns one outcome writes, by name; the adapters turn them into their parameter style. */
export function outcomeColumns(outcome: MailOutcome): Record<string, string | number | null> {
  switch (outcome.status) {
    case 'sent':
      return { status: 'sent', settledAt: outcome.at, subject: outcome.subject, userId: outcome.userId };
    case 'skipped':
      return { status: 'skipped', settledAt: outcome.at };
    case 'retry':
      return { dueAt: outcome.dueAt, lastError: outcome.error };
    case 'failed':
      return { status: 'failed', settledAt: outcome.at, lastError: outcome.error };
  }
}

/**
 * What each purge target deletes, as a condition on the table's rows and the
 * cutoff parameters it reads (in order). Each batch selects at most `limit`
 * keys and deletes them, so a run holds no lock for long, and two instances
 * purging at once only do some work twice: deleting what is gone is a no-op.
 */
interface Purge {
  readonly table: string;
  readonly key: string;
  readonly where: string;
  readonly cutoffs: ReadonlyArray<keyof PurgeCutoffs>;
}

const PURGES: Record<PurgeTarget, Purge> = {
  sessions: { table: 'sessions', key: 'id', where: '"expiresAt" <= ? OR "lastSeenAt" <= ?', cutoffs: ['now', 'idleBefore'] },
  link_tokens: { table: 'link_tokens', key: '"tokenHash"', where: '"expiresAt" <= ? OR "usedAt" IS NOT NULL', cutoffs: ['now'] },
  mail: { table: 'mail_outbox', key: 'id', where: `status <> 'pending' AND "settledAt" <= ?`, cutoffs: ['mailBefore'] },
  devices: { table: 'known_devices', key: '"userId", "deviceKey"', where: '"lastSeenAt" <= ?', cutoffs: ['devicesBefore'] },
};

/** One bounded batch as SQL with `?` markers (and `suffix` after the LIMIT), with its cutoff values. */
export function purgeStatement(target: PurgeTarget, cutoffs: PurgeCutoffs, suffix = ''): { sql: string; cutoffs: number[] } {
  const { table, key, where } = PURGES[target];
  return {
    sql: `DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM ${table} WHERE ${where} LIMIT ?${suffix})`,
    cutoffs: PURGES[target].cutoffs.map((name) => cutoffs[name]),
  };
}
