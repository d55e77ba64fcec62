import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { SecretBox } from './crypto/secret-box.js';
import { resolveSecretKey } from './crypto/secret-key.js';
import { systemClock, type Clock, type RevocationBus, type Store } from './domain/ports.js';
import { connectSharedState, logBusHealth, type SharedState } from './cache/shared-state.js';
import { defaultTouchInterval } from './domain/sessions.js';
import { createGuardian, type GuardianParts } from './guardian-wiring.js';
import { buildServer } from './http/server.js';
import { createLifecycle, openMailing, type Lifecycle } from './lifecycle.js';
import { Observability } from './observability/observability.js';
import { commonPasswordCheck, loadCommonPasswords } from './passwords/common-passwords.js';
import { Argon2Hasher, measureBcryptVerify } from './passwords/hasher.js';
import { WorkQueue } from './passwords/work-queue.js';
import { AuthService } from './service/auth-service.js';
import { TouchWriter } from './service/touch-writer.js';
import { openStore } from './store/open-store.js';
import { AccessTokens } from './tokens/access-tokens.js';
import { KeyRing } from './tokens/key-ring.js';

export interface Core {
  readonly config: Config;
  readonly store: Store;
  readonly keyRing: KeyRing;
  readonly auth: AuthService;
  readonly revocations: RevocationBus;
  readonly shared: SharedState;
  readonly clock: Clock;
  readonly guardian: GuardianParts;
  /** Mail, link flows, export, deletion and retention (src/lifecycle.ts). */
  readonly lifecycle: Lifecycle;
  /** Metrics (`observability.metrics`, for every part to report to), alerts and the dashboard's figures. */
  readonly observability: Observability;
  /** Writes what is queued and closes the store. */
  close(): Promise<void>;
}

export interface App {
  readonly server: FastifyInstance;
  readonly core: Core;
  /** Stops taking requests, lets in-flight ones finish, then closes the core. */
  close(): Promise<void>;
}

export interface CoreOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** false only to measure what account protection costs (bench/); never from a setting. */
  readonly protection?: boolean;
}

const TOUCH_BATCH_MAX = 1_000;
const TOUCH_FLUSH_MS = 1_000;
// Another instance may rotate keys: each one picks the new key up within this interval,
// well inside the grace the old key is given (see cli/keys.ts).
const KEY_RELOAD_MS = 20_000;
const FLOOR_REFRESH_MS = 300_000;
const AUDIT_EXPORT_MAX = 10_000;

/** Wires the store, keys, hashing and the auth service from one configuration. */
export async function createCore({ config, logger, clock = systemClock, protection = true }: CoreOptions): Promise<Core> {
  const secretKey = resolveSecretKey(config);
  const box = new SecretBox(secretKey);
  const observability = new Observability(config, logger);
  const store = observability.instrumentStore(openStore(config));
  try {
    if (config.migrateOnStart) await store.migrate();
    const keyRing = new KeyRing(store, box);
    await keyRing.load(config.jwt.alg, clock.now());
    const { metrics } = observability;
    const shared = connectSharedState(config, store, clock, (tier, hit) => (hit ? metrics.cacheHit(tier) : metrics.cacheMiss(tier)));
    logBusHealth(shared.revocations, logger);
    const guardian = await createGuardian({ config, logger, clock, store, box, secretKey, revocations: shared.revocations, protection });
    return await assemble(config, logger, clock, store, keyRing, shared, guardian, observability);
  } catch (error) {
    observability.close();
    await store.close().catch(() => undefined);
    throw error;
  }
}

async function assemble(
  config: Config,
  logger: Logger,
  clock: Clock,
  store: Store,
  keyRing: KeyRing,
  shared: SharedState,
  guardian: GuardianParts,
  observability: Observability,
): Promise<Core> {
  const queue = new WorkQueue(config.hashConcurrency, config.hashQueueMax);
  const hasher = observability.instrumentHasher(await Argon2Hasher.create(config.argon2, queue), queue);
  const touches = new TouchWriter(store, TOUCH_BATCH_MAX, TOUCH_FLUSH_MS, (error) =>
    logger.warn({ err: error }, 'session last-seen write failed; will retry'),
  );
  const reload = setInterval(() => {
    keyRing.load(config.jwt.alg, clock.now()).catch((error: unknown) => logger.warn({ err: error }, 'signing key reload failed'));
  }, KEY_RELOAD_MS);
  reload.unref();
  const floor = { ms: await failureFloor(store, logger) };
  // Imports made while the service runs raise it; upgrades on login lower it.
  const floorRefresh = setInterval(() => {
    failureFloor(store, logger).then((ms) => (floor.ms = ms), () => undefined);
  }, FLOOR_REFRESH_MS);
  floorRefresh.unref();
  const { revocations, sessions } = shared;
  const mailing = openMailing(config, store, clock);
  const auth = new AuthService({
    store,
    sessions,
    hasher,
    touches,
    revocations,
    clock,
    accessTokens: new AccessTokens(keyRing, config.jwt, clock),
    isCommonPassword: commonPasswordCheck(loadCommonPasswords()),
    passwordPolicy: config.password,
    sessionPolicy: { ...config.session, touchIntervalMs: defaultTouchInterval(config.session.idleTimeoutMs) },
    defaultRole: config.defaultRole,
    failureFloorMs: () => floor.ms,
    // The floor rises at once to half again any slower legacy check, and eases back slowly.
    onLegacyVerification: (ms) => (floor.ms = Math.max(ms * 1.5, floor.ms * 0.99)),
    guardian: guardian.guardian,
    notices: mailing.notices,
    requireVerifiedEmail: config.requireVerifiedEmail,
  });
  const lifecycle = createLifecycle({
    config,
    logger,
    clock,
    users: store,
    auth,
    revocations,
    ...mailing,
    // A reset proves the owner: the lockout an attacker ran up on the account goes.
    hooks: { onPasswordReset: (_userId, email) => guardian.guardian.guard.unlock(email) },
    exporters: [{ section: 'audit', collect: (userId) => guardian.store.queryAuditEvents({ userId, limit: AUDIT_EXPORT_MAX }) }],
    // Queued events are written first, so that none lands with the real id after the rewrite.
    erasers: [
      async (userId, pseudonym) => {
        await guardian.audit.flush();
        await guardian.store.pseudonymizeAuditEvents(userId, pseudonym);
      },
    ],
  });
  observability.start();
  return {
    config,
    store,
    keyRing,
    auth: observability.instrumentAuth(auth),
    revocations,
    shared,
    clock,
    guardian,
    lifecycle,
    observability,
    async close() {
      observability.close();
      clearInterval(reload);
      clearInterval(floorRefresh);
      await lifecycle.close();
      await touches.close();
      await guardian.close();
      await shared.close();
      await store.close();
    },
  };
}

/** See AuthServiceDeps.failureFloorMs; half again the measured time absorbs load that comes later. */
async function failureFloor(store: Store, logger: Logger): Promise<number> {
  const cost = await store.legacyBcryptCost();
  if (cost === null) return 0;

  const floor = Math.ceil((await measureBcryptVerify(cost)) * 1.5);
  logger.info({ bcryptCost: cost, failureFloorMs: floor }, 'imported bcrypt hashes remain; failed logins take at least their verification time');
  return floor;
}

export async function createApp(options: CoreOptions): Promise<App> {
  const core = await createCore(options);
  const server = await buildServer({ ...core, logger: options.logger });
  core.lifecycle.start();
  return {
    server,
    core,
    async close() {
      await server.close();
      await core.close();
    },
  };
}
