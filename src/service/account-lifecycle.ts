import { requireCanonicalEmail as requireEmail } from '../domain/email.js';
import { InvalidLinkToken, InvalidRequest } from '../domain/errors.js';
import type { LifecycleStore } from '../domain/lifecycle-ports.js';
import { hashLinkToken, isLinkTokenShaped } from '../domain/link-tokens.js';
import type { Clock, RevocationBus, SessionView, UserStore } from '../domain/ports.js';
import type { AuthService, ClientContext } from './auth-service.js';
import type { Notices } from './notices.js';

/**
 * Calls out to parts that live elsewhere. The lead connects them at merge;
 * each defaults to doing nothing.
 */
export interface LifecycleHooks {
  /** After a reset stored the new password: clear the account's lockout counters (Guardian). */
  onPasswordReset?(userId: string, email: string): Promise<void>;
}

export interface AccountLifecycleDeps {
  readonly store: LifecycleStore;
  readonly users: Pick<UserStore, 'findLoginById'>;
  readonly auth: AuthService;
  readonly notices: Notices;
  readonly revocations: RevocationBus;
  readonly clock: Clock;
  readonly hooks?: LifecycleHooks;
}

export interface EmailChangeRequest {
  readonly newEmail: string;
  /** The current password: asked again, and counted against the login budget (R13). */
  readonly password: string;
  readonly redirect?: string | undefined;
}

/**
 * The flows that go through a mailed link: email verification, password
 * reset and email change. Requests queue mail (the outbox sender mints the
 * link's token when it sends); confirmations use a token once, atomically,
 * together with the change it allows.
 */
export class AccountLifecycle {
  constructor(private readonly deps: AccountLifecycleDeps) {}

  async verifyEmail(token: string): Promise<void> {
    const grant = await this.deps.store.verifyEmail({ tokenHash: tokenHashOf(token), now: this.deps.clock.now() });
    if (!grant) throw new InvalidLinkToken();

    await this.profileChanged(grant.userId);
  }

  /** Another verification mail for the signed-in account; nothing when it is verified already. */
  async resendVerification(view: SessionView, redirect: string | undefined): Promise<void> {
    const linkBase = this.deps.notices.linkBase(redirect);
    const record = await this.deps.users.findLoginById(view.userId);
    if (!record || record.user.emailVerifiedAt !== null) return;

    await this.deps.store.enqueueMail([this.deps.notices.link('verify_email', record.user.id, record.user.email, linkBase)]);
  }

  /**
   * The same work for every address, known or not: one outbox row that
   * names the address. Whether it has an account is decided by the sender,
   * after this request has been answered, so neither the answer nor its
   * timing can tell (R09, R10).
   */
  async forgotPassword(email: string, redirect: string | undefined): Promise<void> {
    const canonical = requireEmail(email, 'email');
    const linkBase = this.deps.notices.linkBase(redirect);
    await this.deps.store.enqueueMail([this.deps.notices.link('password_reset', null, canonical, linkBase)]);
  }

  /**
   * Sets a new password through a reset link. The token is read first, to
   * check the password against its account and hash it; then one transaction
   * uses the token, stores the password and ends every session, so of two
   * concurrent uses exactly one wins (R39). No session is created here: the
   * next login goes through every factor the account has.
   */
  async resetPassword(token: string, newPassword: string): Promise<void> {
    const tokenHash = tokenHashOf(token);
    const peeked = await this.deps.store.peekLinkToken(tokenHash, 'reset_password', this.deps.clock.now());
    const record = peeked && (await this.deps.users.findLoginById(peeked.userId));
    if (!record) throw new InvalidLinkToken();

    const hashedPassword = await this.deps.auth.hashNewPassword(newPassword, record.user);
    const mail = this.deps.notices.noticeRows('password_changed', record.user);
    const grant = await this.deps.store.resetPassword({ tokenHash, now: this.deps.clock.now(), hashedPassword, mail });
    if (!grant) throw new InvalidLinkToken();

    await this.endAllSessions(grant.userId);
    await this.deps.hooks?.onPasswordReset?.(grant.userId, grant.email);
  }

  /** Mails a confirmation link to the new address; nothing changes until it is used. */
  async requestEmailChange(view: SessionView, change: EmailChangeRequest, context: ClientContext): Promise<void> {
    const canonical = requireEmail(change.newEmail, 'newEmail');
    const linkBase = this.deps.notices.linkBase(change.redirect);
    const record = await this.deps.auth.confirmPassword(view, change.password, 'password', context);
    if (canonical === record.user.email) throw new InvalidRequest('newEmail: is the current address');

    await this.deps.store.enqueueMail([this.deps.notices.link('email_change_confirm', view.userId, canonical, linkBase)]);
  }

  /** Moves the account to the confirmed address (EmailTaken if another account took it meanwhile). */
  async confirmEmailChange(token: string): Promise<void> {
    const notice = this.deps.notices.ownerlessNotice('email_changed');
    const result = await this.deps.store.changeEmail({ tokenHash: tokenHashOf(token), now: this.deps.clock.now(), notice });
    if (result === 'invalid') throw new InvalidLinkToken();

    await this.profileChanged(result.userId);
  }

  /** Cached sessions carry the user's profile: they are read again. */
  private async profileChanged(userId: string): Promise<void> {
    await this.deps.revocations.publish({ kind: 'user_changed', userId, at: this.deps.clock.now() });
  }

  private async endAllSessions(userId: string): Promise<void> {
    await this.deps.revocations.publish({ kind: 'user', userId, exceptSessionId: null, at: this.deps.clock.now() });
  }
}

/** A malformed token is refused like an unknown one, without a lookup. */
function tokenHashOf(token: string): Buffer {
  if (!isLinkTokenShaped(token)) throw new InvalidLinkToken();
  return hashLinkToken(token);
}
