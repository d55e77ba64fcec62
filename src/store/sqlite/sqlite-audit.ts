import type Database from 'better-sqlite3';
import type { AuditStore, StoredAuditEvent } from '../../domain/audit.js';
import { auditFilter } from '../audit-filter.js';
import { prepared } from './statements.js';

const AUDIT_COLUMNS = 'at, type, outcome, reason, actor, "userId", "sessionId", ip, "userAgent"';

/** The audit trail in the SQLite file: inserts, admin reads, retention deletes; a trigger refuses updates. */
export function sqliteAudit(db: Database.Database): AuditStore {
  const insert = prepared(db, `INSERT INTO audit_events (${AUDIT_COLUMNS})
    VALUES (@at, @type, @outcome, @reason, @actor, @userId, @sessionId, @ip, @userAgent)`);

  return {
    async appendAuditEvents(events) {
      db.transaction(() => events.forEach((event) => insert.run(event)))();
    },
    async queryAuditEvents(query) {
      const { where, values } = auditFilter(query, () => '?', (ms) => ms);
      const rows = prepared(db, `SELECT CAST(id AS TEXT) AS id, ${AUDIT_COLUMNS} FROM audit_events ${where} ORDER BY id DESC LIMIT ?`)
        .all(...values, query.limit);
      return rows as StoredAuditEvent[];
    },
    async purgeAuditEventsBefore(cutoff) {
      return prepared(db, 'DELETE FROM audit_events WHERE at < ?').run(cutoff).changes;
    },
    async pseudonymizeAuditEvents(userId, pseudonym) {
      return prepared(db, `UPDATE audit_events SET
            "userId" = CASE WHEN "userId" = @userId THEN @pseudonym ELSE "userId" END,
            actor = CASE WHEN actor = 'user:' || @userId THEN 'user:' || @pseudonym ELSE actor END,
            ip = NULL, "userAgent" = NULL
          WHERE "userId" = @userId OR actor = 'user:' || @userId`)
        .run({ userId, pseudonym }).changes;
    },
  };
}
