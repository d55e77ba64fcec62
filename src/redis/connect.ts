import { Redis } from 'ioredis';

/**
 * One Redis connection per role (commands, subscriptions). Commands fail fast
 * while Redis is away instead of queueing without bound, so callers can fall
 * back to memory and the database; the client keeps reconnecting in the
 * background.
 */
export function connectRedis(url: string, name: string, role: 'commands' | 'subscriber' = 'commands'): Redis {
  const redis = new Redis(url, {
    connectionName: `astral-auth:${name}`,
    lazyConnect: false,
    // A subscriber must queue its SUBSCRIBE until connected; commands must not queue at all.
    enableOfflineQueue: role === 'subscriber',
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    ...(role === 'commands' ? { commandTimeout: 1_000 } : {}),
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
  });
  // Errors surface on the commands that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}
