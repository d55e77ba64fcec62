import type { Store } from '../domain/ports.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import type { PoolStats } from './metrics.js';

// better-sqlite3 runs each statement to the end before returning: its one
// connection is never held between calls, so a sample always finds it idle.
const SQLITE_POOL: PoolStats = { max: 1, inUse: 0, idle: 1, waiting: 0 };

/** How to read the store's connection pool: node-postgres counts its clients; SQLite has one. */
export function poolStatsOf(store: Store): () => PoolStats {
  if (!(store instanceof PostgresStore)) return () => SQLITE_POOL;

  const { pool } = store;
  const max = pool.options.max ?? 10;
  return () => ({
    max,
    inUse: pool.totalCount - pool.idleCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
  });
}
