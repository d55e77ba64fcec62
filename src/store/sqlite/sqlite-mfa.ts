import type Database from 'better-sqlite3';
import type { MfaChallenge, MfaStore, TotpEnrolment } from '../../domain/guardian-ports.js';

/** TOTP enrolments, recovery codes and login challenges in the SQLite file. */
export function sqliteMfa(db: Database.Database): MfaStore {
  return {
    async findTotp(userId) {
      const row = db
        .prepare('SELECT "secretSealed", "confirmedAt", "lastUsedStep" FROM mfa_totp WHERE "userId" = ?')
        .get(userId) as { secretSealed: string; confirmedAt: number | null; lastUsedStep: number | null } | undefined;
      return row && toEnrolment(row);
    },
    async savePendingTotp(userId, secretSealed, now) {
      const result = db
        .prepare(`INSERT INTO mfa_totp ("userId", "secretSealed", "createdAt") VALUES (?, ?, ?)
          ON CONFLICT ("userId") DO UPDATE SET "secretSealed" = excluded."secretSealed",
            "createdAt" = excluded."createdAt", "lastUsedStep" = NULL
          WHERE "confirmedAt" IS NULL`)
        .run(userId, secretSealed, now);
      return result.changes === 1;
    },
    async consumeTotpStep(userId, step) {
      const result = db
        .prepare(`UPDATE mfa_totp SET "lastUsedStep" = ?
          WHERE "userId" = ? AND ("lastUsedStep" IS NULL OR "lastUsedStep" < ?)`)
        .run(step, userId, step);
      return result.changes === 1;
    },
    async confirmTotp(userId, hashes, now) {
      const insert = db.prepare('INSERT INTO mfa_recovery_codes ("userId", "codeHash") VALUES (?, ?)');
      db.transaction(() => {
        db.prepare('UPDATE mfa_totp SET "confirmedAt" = ? WHERE "userId" = ?').run(now, userId);
        db.prepare('DELETE FROM mfa_recovery_codes WHERE "userId" = ?').run(userId);
        hashes.forEach((hash) => insert.run(userId, hash));
      }).immediate();
    },
    async deleteTotp(userId) {
      db.transaction(() => {
        db.prepare('DELETE FROM mfa_totp WHERE "userId" = ?').run(userId);
        db.prepare('DELETE FROM mfa_recovery_codes WHERE "userId" = ?').run(userId);
      }).immediate();
    },
    async consumeRecoveryCode(userId, codeHash, now) {
      const result = db
        .prepare(`UPDATE mfa_recovery_codes SET "usedAt" = ?
          WHERE "userId" = ? AND "codeHash" = ? AND "usedAt" IS NULL`)
        .run(now, userId, codeHash);
      return result.changes === 1;
    },
    async createMfaChallenge(challengeHash, challenge) {
      db.prepare('INSERT INTO mfa_challenges ("challengeHash", "userId", "expiresAt") VALUES (?, ?, ?)')
        .run(challengeHash, challenge.userId, challenge.expiresAt);
    },
    async findMfaChallenge(challengeHash, now) {
      return db
        .prepare('SELECT "userId", "expiresAt" FROM mfa_challenges WHERE "challengeHash" = ? AND "expiresAt" > ?')
        .get(challengeHash, now) as MfaChallenge | undefined;
    },
    async consumeMfaChallenge(challengeHash, now) {
      const result = db
        .prepare('DELETE FROM mfa_challenges WHERE "challengeHash" = ? AND "expiresAt" > ?')
        .run(challengeHash, now);
      return result.changes === 1;
    },
    async purgeMfaChallenges(now) {
      return db.prepare('DELETE FROM mfa_challenges WHERE "expiresAt" <= ?').run(now).changes;
    },
  };
}

function toEnrolment(row: { secretSealed: string; confirmedAt: number | null; lastUsedStep: number | null }): TotpEnrolment {
  return { secretSealed: row.secretSealed, confirmed: row.confirmedAt !== null, lastUsedStep: row.lastUsedStep };
}
