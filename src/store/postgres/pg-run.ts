import type pg from 'pg';
import { asUnavailable } from './postgres-store.js';

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

export async function inTransaction<T>(pool: pg.Pool, work: (run: Runner) => Promise<T>): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    throw asUnavailable(error);
  });
  const run: Runner = async (text, values = []) => {
    const result = await client.query(text, values);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  };
  try {
    await client.query('BEGIN');
    const result = await work(run);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw asUnavailable(error);
  } finally {
    client.release();
  }
}

export function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
