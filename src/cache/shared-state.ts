import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock, RevocationBus, SessionReader } from '../domain/ports.js';
import { LocalRevocationBus } from '../events/local-revocation-bus.js';
import { RedisRevocationBus } from '../events/redis-revocation-bus.js';
import { connectRedis } from '../redis/connect.js';
import { SessionL2 } from './session-l2.js';
import { TieredSessionCache, type BusHealth, type CacheTier } from './tiered-session-cache.js';

export interface SharedState {
  readonly revocations: RevocationBus;
  readonly sessions: TieredSessionCache;
  /** The command connection, for other shared counters; undefined without REDIS_URL. */
  readonly redis: Redis | undefined;
  close(): Promise<void>;
}

/**
 * What instances share besides the database: with REDIS_URL, an L2 session
 * cache and a revocation bus over pub/sub; without it, this process alone.
 */
export function connectSharedState(
  config: Config,
  source: SessionReader,
  clock: Clock,
  onLookup?: (tier: CacheTier, hit: boolean) => void,
): SharedState {
  const options = { ...config.cache, maxEntries: config.cache.maxSessions, ...(onLookup ? { onLookup } : {}) };
  if (!config.redisUrl) {
    const revocations = new LocalRevocationBus();
    const sessions = new TieredSessionCache(source, undefined, clock, options);
    sessions.attach(revocations);
    return { revocations, sessions, redis: undefined, close: async () => undefined };
  }

  const redis = connectRedis(config.redisUrl, 'commands');
  const subscriber = connectRedis(config.redisUrl, 'revocations', 'subscriber');
  const revocations = new RedisRevocationBus(redis, subscriber, `${config.redisPrefix}revocations`, {
    ackTimeoutMs: config.revocationAckTimeoutMs,
  });
  const l2 = new SessionL2(redis, config.redisPrefix, config.cache.ttlMs);
  const sessions = new TieredSessionCache(source, l2, clock, options);
  sessions.attach(revocations);
  const close = () => {
    revocations.close();
    return quitAll(redis, subscriber);
  };
  return { revocations, sessions, redis, close };
}

async function quitAll(...connections: Redis[]): Promise<void> {
  await Promise.all(connections.map((connection) => connection.quit().catch(() => connection.disconnect())));
}

/**
 * Logs when Redis stops answering and when it answers again, after it first
 * did: while it is away each instance trusts its own cache only briefly and
 * keeps the revocations it could not send.
 */
export function logBusHealth(bus: RevocationBus & Partial<BusHealth>, logger: Logger): void {
  let up = false;
  let everUp = false;
  bus.onHealth?.((healthy) => {
    if (healthy === up) return;
    up = healthy;
    if (!healthy) logger.warn({ redis: 'down' }, 'Redis does not answer: cached sessions are trusted only briefly, revocations are kept');
    else if (everUp) logger.info({ redis: 'up' }, 'Redis answers again: caches emptied, kept revocations sent');
    everUp ||= healthy;
  });
}
