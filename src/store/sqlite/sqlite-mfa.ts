import type Database from 'better-sqlite3';
import type { MfaChallenge, MfaStore, TotpEnrolment } from '../../domain/guardian-ports.js';
import { prepared } from './statements.js';

/** TOTP enrolments, recovery codes and login challenges in the SQLite file. */
export function sqliteMfa(db: Database.Database): MfaStore {
  return {
    async findTotp(userId) {
      const row = prepared(db, 'SELECT "secretSealed", "confirmedAt", "lastUsedStep" FROM mfa_totp WHERE "userId" = ?')
        .get(userId) as { secretSealed: string; confirmedAt: number | null; lastUsedStep: number | null } | undefined;
      return row && toEnrolment(row);
    },
    async savePendingTotp(userId, secretSealed, now) {
      const result = prepared(db, `INSERT INTO mfa_totp ("userId", "secretSealed", "createdAt") VALUES (?, ?, ?)
          ON CONFLICT ("userId") DO UPDATE SET "secretSealed" = excluded."secretSealed",
            "createdAt" = excluded."createdAt", "lastUsedStep" = NULL
          WHERE "confirmedAt" IS NULL`)
        .run(userId, secretSealed, now);
      return result.changes === 1;
    },
    async consumeTotpStep(userId, step) {
      const result = prepared(db, `UPDATE mfa_totp SET "lastUsedStep" = ?
          WHERE "userId" = ? AND ("lastUsedStep" IS NULL OR "lastUsedStep" < ?)`)
        .run(step, userId, step);
      return result.changes === 1;
    },
    async confirmTotp(userId, hashes, now) {
      const insert = prepared(db, 'INSERT INTO mfa_recovery_codes ("userId", "codeHash") VALUES (?, ?)');
      db.transaction(() => {
        prepared(db, 'UPDATE mfa_totp SET "confirmedAt" = ? WHERE "userId" = ?').run(now, userId);
        prepared(db, 'DELETE FROM mfa_recovery_codes WHERE "userId" = ?').run(userId);
        hashes.forEach((hash) => insert.run(userId, hash));
      }).immediate();
    },
    async deleteTotp(userId) {
      db.transaction(() => {
        prepared(db, 'DELETE FROM mfa_totp WHERE "userId" = ?').run(userId);
        prepared(db, 'DELETE FROM mfa_recovery_codes WHERE "userId" = ?').run(userId);
      }).immediate();
    },
    async consumeRecoveryCode(userId, codeHash, now) {
      const result = prepared(db, `UPDATE mfa_recovery_codes SET "usedAt" = ?
          WHERE "userId" = ? AND "codeHash" = ? AND "usedAt" IS NULL`)
        .run(now, userId, codeHash);
      return result.changes === 1;
    },
    async createMfaChallenge(challengeHash, challenge) {
      prepared(db, 'INSERT INTO mfa_challenges ("challengeHash", "userId", "expiresAt") VALUES (?, ?, ?)')
        .run(challengeHash, challenge.userId, challenge.expiresAt);
    },
    async findMfaChallenge(challengeHash, now) {
      return prepared(db, 'SELECT "userId", "expiresAt" FROM mfa_challenges WHERE "challengeHash" = ? AND "expiresAt" > ?')
        .get(challengeHash, now) as MfaChallenge | undefined;
    },
    async consumeMfaChallenge(challengeHash, now) {
      const result = prepared(db, 'DELETE FROM mfa_challenges WHERE "challengeHash" = ? AND "expiresAt" > ?')
        .run(challengeHash, now);
      return result.changes === 1;
    },
    async purgeMfaChallenges(now) {
      return prepared(db, 'DELETE FROM mfa_challenges WHERE "expiresAt" <= ?').run(now).changes;
    },
  };
}

function toEnrolment(row: { secretSealed: string; confirmedAt: number | null; lastUsedStep: number | null }): TotpEnrolment {
  return { secretSealed: row.secretSealed, confirmed: row.confirmedAt !== null, lastUsedStep: row.lastUsedStep };
}
