import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { SecretBox } from './crypto/secret-box.js';
import { resolveSecretKey } from './crypto/secret-key.js';
import { systemClock, type Clock, type RevocationBus, type Store } from './domain/ports.js';
import { LocalRevocationBus } from './events/local-revocation-bus.js';
import { defaultTouchInterval } from './domain/sessions.js';
import { buildServer } from './http/server.js';
import { Observability } from './observability/observability.js';
import { commonPasswordCheck, loadCommonPasswords } from './passwords/common-passwords.js';
import { Argon2Hasher } from './passwords/hasher.js';
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
  readonly clock: Clock;
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
}

const TOUCH_BATCH_MAX = 1_000;
const TOUCH_FLUSH_MS = 1_000;
// Another instance may rotate keys: each one picks the new key up within this interval,
// well inside the grace the old key is given (see cli/keys.ts).
const KEY_RELOAD_MS = 20_000;

/** Wires the store, keys, hashing and the auth service from one configuration. */
export async function createCore({ config, logger, clock = systemClock }: CoreOptions): Promise<Core> {
  const box = new SecretBox(resolveSecretKey(config));
  const observability = new Observability(config, logger);
  const store = observability.instrumentStore(openStore(config));
  try {
    if (config.migrateOnStart) await store.migrate();
    const keyRing = new KeyRing(store, box);
    await keyRing.load(config.jwt.alg, clock.now());
    return await assemble(config, logger, clock, store, keyRing, observability);
  } catch (error) {
    observability.close();
    await store.close().catch(() => undefined);
    throw error;
  }
}

async function assemble(config: Config, logger: Logger, clock: Clock, store: Store, keyRing: KeyRing, observability: Observability): Promise<Core> {
  const queue = new WorkQueue(config.hashConcurrency, config.hashQueueMax);
  const hasher = observability.instrumentHasher(await Argon2Hasher.create(config.argon2, queue), queue);
  const touches = new TouchWriter(store, TOUCH_BATCH_MAX, TOUCH_FLUSH_MS, (error) =>
    logger.warn({ err: error }, 'session last-seen write failed; will retry'),
  );
  const reload = setInterval(() => {
    keyRing.load(config.jwt.alg, clock.now()).catch((error: unknown) => logger.warn({ err: error }, 'signing key reload failed'));
  }, KEY_RELOAD_MS);
  reload.unref();
  const revocations = new LocalRevocationBus();
  const auth = new AuthService({
    store,
    hasher,
    touches,
    revocations,
    clock,
    accessTokens: new AccessTokens(keyRing, config.jwt, clock),
    isCommonPassword: commonPasswordCheck(loadCommonPasswords()),
    passwordPolicy: config.password,
    sessionPolicy: { ...config.session, touchIntervalMs: defaultTouchInterval(config.session.idleTimeoutMs) },
    defaultRole: config.defaultRole,
  });
  observability.start();
  return {
    config,
    store,
    keyRing,
    auth: observability.instrumentAuth(auth),
    revocations,
    clock,
    observability,
    async close() {
      observability.close();
      clearInterval(reload);
      await touches.close();
      await store.close();
    },
  };
}

export async function createApp(options: CoreOptions): Promise<App> {
  const core = await createCore(options);
  const server = await buildServer({ ...core, logger: options.logger });
  return {
    server,
    core,
    async close() {
      await server.close();
      await core.close();
    },
  };
}
