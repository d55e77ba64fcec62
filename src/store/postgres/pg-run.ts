import type pg from 'pg';
import { asUnavailable, transaction } from './postgres-store.js';

/**
 * Query and transaction helpers for Guardian's PostgreSQL adapters: a lost or
 * timed-out connection becomes `Unavailable` (a 503), like the core store's.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Rows = any[];

export type Runner = (text: string, values?: unknown[]) => Promise<{ rows: Rows; rowCount: number }>;

export function runner(pool: pg.Pool): Runner {
  return async (text, values = []) => {
    try {
      const result = await pool.query(text, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw asUnavailable(error);
    }
  };
}

export function inTransaction<T>(pool: pg.Pool, work: (run: Runner) => Promise<T>): Promise<T> {
  return transaction(pool, (client) =>
    work(async (text, values = []) => {
      const result = await client.query(text, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    }),
  );
}

export function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
