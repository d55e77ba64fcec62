import type pg from 'pg';
import type { MfaChallenge, MfaStore } from '../../domain/guardian-ports.js';
import { inTransaction, runner } from './pg-run.js';

/**
 * TOTP enrolments, recovery codes and login challenges in PostgreSQL. Every
 * single-use consumption is one conditional UPDATE or DELETE whose row count
 * says who won: under READ COMMITTED the second writer waits for the first
 * and then finds the condition false.
 */
export function postgresMfa(pool: pg.Pool): MfaStore {
  const run = runner(pool);
  return {
    async findTotp(userId) {
      const { rows } = await run(
        'SELECT "secretSealed", "confirmedAt", "lastUsedStep" FROM mfa_totp WHERE "userId" = $1',
        [userId],
      );
      const row = rows[0];
      return row && { secretSealed: row.secretSealed, confirmed: row.confirmedAt !== null, lastUsedStep: row.lastUsedStep };
    },
    async savePendingTotp(userId, secretSealed, now) {
      const { rowCount } = await run(
        `INSERT INTO mfa_totp AS t ("userId", "secretSealed", "createdAt") VALUES ($1, $2, $3)
         ON CONFLICT ("userId") DO UPDATE SET "secretSealed" = excluded."secretSealed",
           "createdAt" = excluded."createdAt", "lastUsedStep" = NULL
         WHERE t."confirmedAt" IS NULL`,
        [userId, secretSealed, new Date(now)],
      );
      return rowCount === 1;
    },
    async consumeTotpStep(userId, step) {
      const { rowCount } = await run(
        `UPDATE mfa_totp SET "lastUsedStep" = $2
         WHERE "userId" = $1 AND ("lastUsedStep" IS NULL OR "lastUsedStep" < $2)`,
        [userId, step],
      );
      return rowCount === 1;
    },
    async confirmTotp(userId, hashes, now) {
      await inTransaction(pool, async (tx) => {
        await tx('UPDATE mfa_totp SET "confirmedAt" = $2 WHERE "userId" = $1', [userId, new Date(now)]);
        await tx('DELETE FROM mfa_recovery_codes WHERE "userId" = $1', [userId]);
        await tx(
          'INSERT INTO mfa_recovery_codes ("userId", "codeHash") SELECT $1, unnest($2::bytea[])',
          [userId, hashes],
        );
      });
    },
    async deleteTotp(userId) {
      await inTransaction(pool, async (tx) => {
        await tx('DELETE FROM mfa_totp WHERE "userId" = $1', [userId]);
        await tx('DELETE FROM mfa_recovery_codes WHERE "userId" = $1', [userId]);
      });
    },
    async consumeRecoveryCode(userId, codeHash, now) {
      const { rowCount } = await run(
        `UPDATE mfa_recovery_codes SET "usedAt" = $3
         WHERE "userId" = $1 AND "codeHash" = $2 AND "usedAt" IS NULL`,
        [userId, codeHash, new Date(now)],
      );
      return rowCount === 1;
    },
    async createMfaChallenge(challengeHash, challenge) {
      await run('INSERT INTO mfa_challenges ("challengeHash", "userId", "expiresAt") VALUES ($1, $2, $3)', [
        challengeHash,
        challenge.userId,
        new Date(challenge.expiresAt),
      ]);
    },
    async findMfaChallenge(challengeHash, now) {
      const { rows } = await run(
        'SELECT "userId", "expiresAt" FROM mfa_challenges WHERE "challengeHash" = $1 AND "expiresAt" > $2',
        [challengeHash, new Date(now)],
      );
      return rows[0] as MfaChallenge | undefined;
    },
    async consumeMfaChallenge(challengeHash, now) {
      const { rowCount } = await run(
        'DELETE FROM mfa_challenges WHERE "challengeHash" = $1 AND "expiresAt" > $2',
        [challengeHash, new Date(now)],
      );
      return rowCount === 1;
    },
    async purgeMfaChallenges(now) {
      return (await run('DELETE FROM mfa_challenges WHERE "expiresAt" <= $1', [new Date(now)])).rowCount;
    },
  };
}
