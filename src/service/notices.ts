import { createHash, randomUUID } from 'node:crypto';
import { InvalidRedirect } from '../domain/errors.js';
import type { LifecycleStore } from '../domain/lifecycle-ports.js';
import { chooseLinkBase } from '../domain/link-tokens.js';
import type { LinkMailKind, NewMail, NoticeKind } from '../domain/mail.js';
import type { Clock, UserStore } from '../domain/ports.js';
import type { PublicUser } from '../domain/users.js';

export interface NoticesDeps {
  readonly store: Pick<LifecycleStore, 'enqueueMail' | 'recordSignIn'>;
  readonly users: Pick<UserStore, 'findLoginById'>;
  /** The notices the operator left on (ASTRAL_NOTIFY). */
  readonly enabled: ReadonlySet<NoticeKind>;
  readonly linkBases: readonly string[];
  readonly clock: Clock;
}

export interface SignInClient {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/**
 * The mail that account changes queue: links (verification, reset, email
 * change) and notices to the account holder (R40). It builds outbox rows for
 * the callers to write with their change, and queues the notices that have
 * no change of their own to ride with. Switched-off notices build nothing.
 */
export class Notices {
  constructor(private readonly deps: NoticesDeps) {}

  /** The link base a request asked for with `redirect`, matched exactly; the default without one. */
  linkBase(redirect: string | undefined): string {
    const base = chooseLinkBase(this.deps.linkBases, redirect);
    if (base === undefined) throw new InvalidRedirect();
    return base;
  }

  link(kind: LinkMailKind, userId: string | null, recipient: string, linkBase: string): NewMail {
    return this.row(kind, userId, recipient, { linkBase });
  }

  /** A notice row, or null when the operator switched this kind off. */
  notice(kind: NoticeKind, user: Pick<PublicUser, 'id' | 'email'>, data: Record<string, string> = {}): NewMail | null {
    return this.deps.enabled.has(kind) ? this.row(kind, user.id, user.email, data) : null;
  }

  /** The same, as the rows to write with a change: none or one. */
  noticeRows(kind: NoticeKind, user: Pick<PublicUser, 'id' | 'email'>): NewMail[] {
    const row = this.notice(kind, user);
    return row ? [row] : [];
  }

  /** A notice whose account and address only the store knows (the old address of an email change). */
  ownerlessNotice(kind: NoticeKind): Omit<NewMail, 'userId' | 'recipient'> | null {
    return this.deps.enabled.has(kind) ? { id: randomUUID(), kind, data: {}, createdAt: this.deps.clock.now() } : null;
  }

  /** Remembers the client of a login and, when it is new to an account that had others, tells the holder. */
  async signedIn(user: PublicUser, client: SignInClient): Promise<void> {
    const data = { ip: client.ip ?? 'unknown', userAgent: client.userAgent ?? 'unknown' };
    const sighting = { userId: user.id, deviceKey: deviceKey(client), ip: client.ip, userAgent: client.userAgent, at: this.deps.clock.now() };
    await this.deps.store.recordSignIn(sighting, this.notice('new_sign_in', user, data));
  }

  /**
   * Notices of changes made elsewhere (the Guardian branch's TOTP enrolment
   * and lockout): the caller reports the change after it is stored.
   */
  async mfaEnabled(userId: string): Promise<void> {
    await this.queueFor(userId, 'mfa_enabled');
  }

  async mfaDisabled(userId: string): Promise<void> {
    await this.queueFor(userId, 'mfa_disabled');
  }

  async accountLocked(userId: string): Promise<void> {
    await this.queueFor(userId, 'account_locked');
  }

  private async queueFor(userId: string, kind: NoticeKind): Promise<void> {
    if (!this.deps.enabled.has(kind)) return;
    const record = await this.deps.users.findLoginById(userId);
    const row = record && this.notice(kind, record.user);
    if (row) await this.deps.store.enqueueMail([row]);
  }

  private row(kind: NewMail['kind'], userId: string | null, recipient: string, data: Record<string, string>): NewMail {
    return { id: randomUUID(), kind, userId, recipient, data, createdAt: this.deps.clock.now() };
  }
}

/** A device is its address and user agent, kept as one hash for the lookup (and shown plainly in the export). */
function deviceKey(client: SignInClient): Buffer {
  return createHash('sha256').update(`${client.ip ?? ''}\n${client.userAgent ?? ''}`).digest();
}
