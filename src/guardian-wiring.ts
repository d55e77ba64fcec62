import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { SecretBox } from './crypto/secret-box.js';
import type { AttemptCounters, RequestCounters } from './domain/attempt-counters.js';
import type { GuardianStore, KnownClientStore } from './domain/guardian-ports.js';
import type { Clock, RevocationBus, Store } from './domain/ports.js';
import type { ProtectionPolicy } from './domain/protection.js';
import { connectRedis } from './redis/connect.js';
import { FallbackCounters, RedisCounters } from './redis/redis-counters.js';
import { MemoryCounters } from './service/memory-counters.js';
import { AddressBlocks } from './service/address-blocks.js';
import { AdminService } from './service/admin-service.js';
import { AuditWriter } from './service/audit-writer.js';
import { CounterKeys } from './service/counter-keys.js';
import { Guardian } from './service/guardian.js';
import { LoginGuard } from './service/login-guard.js';
import { MfaService } from './service/mfa-service.js';
import { RateLimiter } from './service/rate-limiter.js';
import { Retention } from './service/guardian-retention.js';
import { RiskAssessor } from './service/risk-assessor.js';
import { SessionControl } from './service/session-control.js';
import { openGuardianStore } from './store/open-store.js';

/** Everything Guardian adds to the core, built from one configuration. */
export interface GuardianParts {
  readonly store: GuardianStore;
  readonly guardian: Guardian;
  readonly audit: AuditWriter;
  readonly admin: AdminService;
  readonly sessions: SessionControl;
  /** Undefined when protection is off (benchmarks only). */
  readonly rateLimiter: RateLimiter | undefined;
  readonly blocks: AddressBlocks;
  readonly retention: Retention;
  close(): Promise<void>;
}

export interface GuardianInputs {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly box: SecretBox;
  readonly secretKey: Buffer;
  readonly revocations: RevocationBus;
  /** false only to measure what protection costs: no attempt counters, no rate limits. */
  readonly protection: boolean;
}

const AUDIT_BATCH_MAX = 500;

export async function createGuardian(inputs: GuardianInputs): Promise<GuardianParts> {
  const { config, logger, clock, revocations } = inputs;
  const store = openGuardianStore(inputs.store);
  const audit = new AuditWriter(store, AUDIT_BATCH_MAX, config.auditFlushIntervalMs, (error, queued) =>
    logger.error({ err: error, queued }, 'audit write failed; will retry'),
  );
  const keys = new CounterKeys(inputs.secretKey);
  const guard = new LoginGuard({
    counters: inputs.protection ? store.counters : openCounters,
    knownClients: inputs.protection ? store : noKnownClients,
    keys,
    policy: protectionPolicy(config),
    knownClientTtlMs: config.lockout.knownClientTtlMs,
    audit,
    clock,
  });
  const mfa = new MfaService({ store, box: inputs.box, guard, audit, clock, ...config.mfa });
  const risk = new RiskAssessor({
    ...config.risk,
    sessions: { ...store, deleteSession: (id) => inputs.store.deleteSession(id) },
    hasTotp: (userId) => mfa.isEnrolled(userId),
    revocations,
    audit,
    clock,
  });
  const guardian = new Guardian({ guard, mfa, risk, audit, sessions: store, revocations, clock, maxSessionsPerUser: config.maxSessionsPerUser });
  const sessions = new SessionControl(store, revocations, audit, clock);
  const blocks = new AddressBlocks(store, clock, config.blocksReloadMs, (error) => logger.warn({ err: error }, 'address block reload failed'));
  await blocks.reload();
  const admin = new AdminService({ users: store, auditStore: store, guard, sessions, blocks, revocations, audit, clock });
  const redis = config.redisUrl ? connectRedis(config.redisUrl, 'counters') : undefined;
  const rateLimiter = inputs.protection
    ? new RateLimiter(requestCounters(redis, config, logger), keys, config.rateLimits, clock)
    : undefined;
  const retention = new Retention({ audit: store, counters: store.counters, mfa: store, clock, auditRetentionMs: config.auditRetentionMs });
  retention.start(
    config.purgeIntervalMs,
    (purged) => logger.info(purged, 'retention purge'),
    (error) => logger.warn({ err: error }, 'retention purge failed'),
  );

  return {
    store,
    guardian,
    audit,
    admin,
    sessions,
    rateLimiter,
    blocks,
    retention,
    async close() {
      retention.stop();
      blocks.close();
      await audit.close();
      redis?.disconnect();
    },
  };
}

/**
 * Request limits count in Redis, shared by every instance; without Redis, or
 * while it is away, in this process (see MemoryCounters): never in the
 * database, where each checked session would cost a write.
 */
function requestCounters(redis: Redis | undefined, config: Config, logger: Logger): RequestCounters {
  const memory = new MemoryCounters();
  if (!redis) return memory;
  const primary = new RedisCounters(redis, config.redisPrefix);
  return new FallbackCounters(primary, memory, (error) => logger.warn({ err: error }, 'Redis counters failed; counting in memory'));
}

export function protectionPolicy(config: Config): ProtectionPolicy {
  const { windowMs, accountLimit, pairFree, addressFree, backoffBaseMs, backoffMaxMs } = config.lockout;
  return {
    pair: { free: pairFree, backoffBaseMs, backoffMaxMs, windowMs },
    account: { free: accountLimit, backoffBaseMs: 0, backoffMaxMs: 0, windowMs },
    address: { free: addressFree, backoffBaseMs, backoffMaxMs, windowMs },
  };
}

/** What `protection: false` runs with: counters that never count, no known clients. */
const noKnownClients: KnownClientStore = {
  findKnownClients: async () => [],
  rememberClients: async () => undefined,
};

const openCounters: AttemptCounters = {
  hit: async (hits, now) => hits.map(() => ({ count: 0, startedAt: now, endsAt: now })),
  refund: async () => undefined,
  clear: async () => undefined,
  clearPrefix: async () => undefined,
  purgeExpired: async () => 0,
};
