import type pg from 'pg';
import type { AuditEvent, AuditStore, StoredAuditEvent } from '../../domain/audit.js';
import { auditFilter } from '../audit-filter.js';
import { runner } from './pg-run.js';

const AUDIT_COLUMNS = 'at, type, outcome, reason, actor, "userId", "sessionId", ip, "userAgent"';

/** The audit trail in PostgreSQL: batch inserts, admin reads, retention deletes; a trigger refuses updates. */
export function postgresAudit(pool: pg.Pool): AuditStore {
  const run = runner(pool);
  return {
    async appendAuditEvents(events) {
      const column = <K extends keyof AuditEvent>(name: K) => events.map((event) => event[name]);
      await run(
        `INSERT INTO audit_events (${AUDIT_COLUMNS})
         SELECT to_timestamp(at / 1000.0), type, outcome, reason, actor, "userId", "sessionId", ip, "userAgent"
         FROM unnest($1::float8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::text[]) AS e(at, type, outcome, reason, actor, "userId", "sessionId", ip, "userAgent")`,
        [column('at'), column('type'), column('outcome'), column('reason'), column('actor'), column('userId'),
          column('sessionId'), column('ip'), column('userAgent')],
      );
    },
    async queryAuditEvents(query) {
      const { where, values } = auditFilter(query, (n) => `$${n}`, (ms) => new Date(ms));
      const { rows } = await run(
        `SELECT id::text AS id, ${AUDIT_COLUMNS} FROM audit_events ${where} ORDER BY id DESC LIMIT $${values.length + 1}`,
        [...values, query.limit],
      );
      return rows as StoredAuditEvent[];
    },
    async purgeAuditEventsBefore(cutoff) {
      return (await run('DELETE FROM audit_events WHERE at < $1', [new Date(cutoff)])).rowCount;
    },
    async pseudonymizeAuditEvents(userId, pseudonym) {
      const { rowCount } = await run(
        `UPDATE audit_events SET
           "userId" = CASE WHEN "userId" = $1 THEN $2 ELSE "userId" END,
           actor = CASE WHEN actor = 'user:' || $1 THEN 'user:' || $2 ELSE actor END,
           ip = NULL, "userAgent" = NULL
         WHERE "userId" = $1 OR actor = 'user:' || $1`,
        [userId, pseudonym],
      );
      return rowCount;
    },
  };
}
