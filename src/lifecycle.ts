import type { Logger } from 'pino';
import type { Config } from './config.js';
import { pseudonymizer } from './crypto/pseudonym.js';
import { resolveSecretKey } from './crypto/secret-key.js';
import type { LifecycleStore } from './domain/lifecycle-ports.js';
import type { Clock, RevocationBus, Store } from './domain/ports.js';
import { OutboxSender } from './mail/outbox-sender.js';
import { loadTemplates } from './mail/templates.js';
import { createMailTransport } from './mail/transport.js';
import { AccountLifecycle, type LifecycleHooks } from './service/account-lifecycle.js';
import { AccountPrivacy, coreExporters, type AccountEraser, type Exporter } from './service/account-privacy.js';
import type { AuthService } from './service/auth-service.js';
import { mailComposer } from './service/mail-composer.js';
import { Notices } from './service/notices.js';
import { RetentionJob, type Purger } from './service/retention.js';
import { openLifecycleStore } from './store/open-lifecycle-store.js';

/**
 * The account lifecycle, wired: mail (outbox, sender, templates), the link
 * flows, export and deletion, and retention. The extension points another
 * part plugs into at merge are `hooks`, `exporters`, `erasers` and `purgers`
 * (see docs/lifecycle.md).
 */
export interface Lifecycle {
  readonly store: LifecycleStore;
  readonly notices: Notices;
  readonly flows: AccountLifecycle;
  readonly privacy: AccountPrivacy;
  readonly sender: OutboxSender;
  readonly retention: RetentionJob;
  /** Starts sending mail and purging; only a serving process does. */
  start(): void;
  /** Lets the batch of mail in flight finish and stops the timers; unsent mail waits in the outbox. */
  close(): Promise<void>;
}

export interface Mailing {
  readonly store: LifecycleStore;
  readonly notices: Notices;
}

export interface LifecycleOptions extends Mailing {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly users: Store;
  readonly auth: AuthService;
  readonly revocations: RevocationBus;
  readonly hooks?: LifecycleHooks;
  readonly exporters?: readonly Exporter[];
  readonly erasers?: readonly AccountEraser[];
  readonly purgers?: readonly Purger[];
}

/** What the auth service needs before the rest exists: the notices it queues mail through. */
export function openMailing(config: Config, users: Store, clock: Clock): Mailing {
  const store = openLifecycleStore(users);
  const notices = new Notices({ store, users, enabled: config.notices, linkBases: config.links.baseUrls, clock });
  return { store, notices };
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { config, logger, clock, store, users, auth, revocations } = options;
  const compose = mailComposer({ users, tokens: store, templates: loadTemplates(config.mail.templatesDir), links: config.links, clock });
  const sender = new OutboxSender(store, compose, createMailTransport(config.mail, config.dataDir), clock, logger, config.mail);
  const retention = new RetentionJob(store, clock, logger, { ...config.retention, idleTimeoutMs: config.session.idleTimeoutMs }, options.purgers);
  const privacy = new AccountPrivacy({
    store,
    auth,
    revocations,
    clock,
    exporters: [...coreExporters(store, users), ...(options.exporters ?? [])],
    erasers: options.erasers ?? [],
    pseudonymize: pseudonymizer(resolveSecretKey(config)),
  });
  const flows = new AccountLifecycle({ store, users, auth, notices: options.notices, revocations, clock, ...(options.hooks ? { hooks: options.hooks } : {}) });
  return {
    store,
    notices: options.notices,
    flows,
    privacy,
    sender,
    retention,
    start() {
      sender.start();
      retention.start();
    },
    async close() {
      await retention.close();
      await sender.close();
    },
  };
}
