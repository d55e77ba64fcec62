import type { AccountDataStore, OutboxStore } from '../domain/lifecycle-ports.js';
import type { Clock, RevocationBus, SessionView, UserStore } from '../domain/ports.js';
import type { AuthService, ClientContext } from './auth-service.js';

/**
 * One part of a user's data export: `section` names it in the document,
 * `collect` reads it. New stores of personal data add an exporter (the
 * Guardian branch: the audit events about the user).
 */
export interface Exporter {
  readonly section: string;
  collect(userId: string): Promise<unknown>;
}

/**
 * Runs when an account is deleted, with the pseudonym that replaces its id
 * in whatever must outlive it (src/crypto/pseudonym.ts). The Guardian branch
 * rewrites its audit events' user references with it.
 */
export type AccountEraser = (userId: string, pseudonym: string) => Promise<void>;

export interface AccountPrivacyDeps {
  readonly store: Pick<AccountDataStore, 'deleteUser'>;
  readonly auth: AuthService;
  readonly revocations: RevocationBus;
  readonly clock: Clock;
  readonly exporters: readonly Exporter[];
  readonly erasers: readonly AccountEraser[];
  readonly pseudonymize: (userId: string) => string;
}

/** A user's rights over their data: a copy of all of it, and its deletion (GDPR articles 15, 17, 20). */
export class AccountPrivacy {
  constructor(private readonly deps: AccountPrivacyDeps) {}

  async exportAccount(view: SessionView): Promise<Record<string, unknown>> {
    const document: Record<string, unknown> = { exportedAt: new Date(this.deps.clock.now()).toISOString() };
    for (const exporter of this.deps.exporters) document[exporter.section] = await exporter.collect(view.userId);
    return document;
  }

  /**
   * Deletes the account at once, with the password as proof: its sessions
   * end everywhere (the revocation reaches every instance's cache), then the
   * erasers replace its id where records must stay.
   */
  async deleteAccount(view: SessionView, password: string, context: ClientContext): Promise<void> {
    await this.deps.auth.confirmPassword(view, password, 'password', context);
    await this.deps.store.deleteUser(view.userId);
    await this.deps.revocations.publish({ kind: 'user', userId: view.userId, exceptSessionId: null, at: this.deps.clock.now() });

    const pseudonym = this.deps.pseudonymize(view.userId);
    for (const erase of this.deps.erasers) await erase(view.userId, pseudonym);
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What this service itself holds about a user: profile, sessions, devices and mail. */
export function coreExporters(
  store: Pick<AccountDataStore, 'listSessionsOfUser' | 'listDevicesOfUser'> & Pick<OutboxStore, 'listMailOfUser'>,
  users: Pick<UserStore, 'findLoginById'>,
): Exporter[] {
  return [
    {
      section: 'profile',
      async collect(userId) {
        const user = (await users.findLoginById(userId))?.user;
        return user && { ...user, emailVerifiedAt: iso(user.emailVerifiedAt), createdAt: iso(user.createdAt), updatedAt: iso(user.updatedAt) };
      },
    },
    {
      section: 'sessions',
      async collect(userId) {
        const sessions = await store.listSessionsOfUser(userId);
        return sessions.map((s) => ({ ...s, createdAt: iso(s.createdAt), expiresAt: iso(s.expiresAt), lastSeenAt: iso(s.lastSeenAt) }));
      },
    },
    {
      section: 'devices',
      async collect(userId) {
        const devices = await store.listDevicesOfUser(userId);
        return devices.map((d) => ({ ...d, firstSeenAt: iso(d.firstSeenAt), lastSeenAt: iso(d.lastSeenAt) }));
      },
    },
    {
      section: 'mail',
      async collect(userId) {
        const mail = await store.listMailOfUser(userId);
        return mail.map((m) => ({ ...m, createdAt: iso(m.createdAt), settledAt: iso(m.settledAt) }));
      },
    },
  ];
}
