import { randomUUID } from 'node:crypto';
import { requireCanonicalEmail as requireEmail } from '../domain/email.js';
import { EmailNotVerified, InvalidCredentials, InvalidMfaCode, InvalidSession, WeakPassword } from '../domain/errors.js';
import {
  checkNewPassword,
  exceedsMaxLength,
  normalizePassword,
  type PasswordPolicy,
} from '../domain/password-policy.js';
import type { Clock, NewUser, PasswordHasher, RevocationBus, SessionCache, SessionView, Store } from '../domain/ports.js';
import {
  createSessionId,
  createSessionToken,
  hashSessionToken,
  isSessionTokenShaped,
} from '../domain/session-tokens.js';
import { isSessionLive, needsTouch, newSessionTimes, type SessionPolicy } from '../domain/sessions.js';
import type { LoginRecord, PublicUser } from '../domain/users.js';
import type { AccessClaims, AccessTokens } from '../tokens/access-tokens.js';
import { createDeviceId, type Guardian } from './guardian.js';
import type { Pathway, Reservation } from './login-guard.js';
import type { SecondFactor } from './mfa-service.js';
import type { Notices } from './notices.js';
import type { TouchWriter } from './touch-writer.js';

export interface Registration {
  readonly email: string;
  readonly password: string;
  readonly name?: string | undefined;
  readonly image?: string | undefined;
  readonly teamName?: string | undefined;
  /** Which allowed link base the verification mail points at (ASTRAL_LINK_BASE_URLS). */
  readonly redirect?: string | undefined;
}

export interface ClientContext {
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The device cookie the client sent, if it is well-formed; see `Guardian`. */
  readonly deviceId: string | null;
}

export interface IssuedSession {
  readonly user: PublicUser;
  readonly session: { readonly id: string; readonly createdAt: number; readonly expiresAt: number };
  readonly sessionToken: string;
  readonly accessToken: string;
  readonly accessTokenExpiresAt: number;
  /** The device cookie to keep (or set) on this client. */
  readonly deviceId: string;
}

/** What a session check knows of the request: its client, and whether it is the step-up route itself. */
export interface SessionCheck {
  readonly context?: ClientContext;
  readonly allowPendingStepUp?: boolean;
}

export interface AuthServiceDeps {
  readonly store: Store;
  /** Session reads go through the cache; writes go to the store. */
  readonly sessions: SessionCache;
  readonly hasher: PasswordHasher;
  readonly accessTokens: AccessTokens;
  readonly touches: TouchWriter;
  readonly revocations: RevocationBus;
  readonly clock: Clock;
  readonly isCommonPassword: (candidate: string) => boolean;
  readonly passwordPolicy: PasswordPolicy;
  readonly sessionPolicy: SessionPolicy;
  readonly defaultRole: string;
  /**
   * Least time a failed login takes. Zero when every account has an argon2id
   * hash: the dummy verification already makes unknown and wrong alike. While
   * imported bcrypt hashes remain, a wrong password for one of those takes
   * bcrypt's time, so every failure is held to at least that long.
   */
  readonly failureFloorMs?: () => number;
  /** Told how long each verification of an imported hash took, so the floor keeps up with load. */
  readonly onLegacyVerification?: (ms: number) => void;
  readonly guardian: Guardian;
  /** The mail that registration, login and password change queue; none without it. */
  readonly notices?: Notices;
  /** Refuse logins of unverified addresses, once the password verified (ASTRAL_REQUIRE_VERIFIED_EMAIL). */
  readonly requireVerifiedEmail?: boolean;
}

/**
 * The use cases of the service: register, log in, check and end sessions,
 * change a password. Each reads as a short list of steps; storage, hashing and
 * signing come in through the ports.
 */
export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  /** `role` is for trusted callers (the CLI); the HTTP API never passes one. */
  async register(input: Registration, role = this.deps.defaultRole, context?: ClientContext): Promise<PublicUser> {
    const email = requireEmail(input.email);
    this.assertAcceptable(input.password, { email, name: input.name ?? null });
    const { notices } = this.deps;
    const linkBase = notices?.linkBase(input.redirect);

    const hashedPassword = await this.deps.hasher.hash(normalizePassword(input.password));
    const now = this.deps.clock.now();
    const user: NewUser = {
      id: randomUUID(),
      email,
      name: input.name ?? null,
      image: input.image ?? null,
      teamName: input.teamName ?? null,
      role,
      hashedPassword,
      hashOrigin: 'native',
      emailVerifiedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    // The verification link is queued with the account: both are stored, or neither.
    const mail = notices && linkBase ? [notices.link('verify_email', user.id, email, linkBase)] : [];
    const created = await this.deps.store.createUser(user, mail);
    this.deps.guardian.recordRegister(created.id, context);
    return created;
  }

  /**
   * The attempt is counted before the password is evaluated (R12); an
   * account with TOTP gets a challenge instead of a session (R28).
   */
  async login(email: string, password: string, context: ClientContext): Promise<IssuedSession> {
    const started = performance.now();
    const canonical = requireEmail(email);
    const record = await this.deps.store.findLoginByEmail(canonical);
    const attempt = await this.deps.guardian.guard.reserve({ pathway: 'login', email: canonical, userId: record?.user.id ?? null, ...context });
    // Read while the hash is computed: it is needed only if the password is right.
    const enrolled = settled(record ? this.deps.guardian.mfa.isEnrolled(record.user.id) : Promise.resolve(false));
    const verified = await this.verifyPassword(record, password);
    if (!record?.hashedPassword || !verified || record.disabled) {
      this.deps.guardian.recordLoginFailure(record, verified, context);
      await holdUntil(started + (this.deps.failureFloorMs?.() ?? 0));
      throw new InvalidCredentials();
    }
    if (this.deps.requireVerifiedEmail && record.user.emailVerifiedAt === null) {
      await attempt.release();
      throw new EmailNotVerified();
    }

    const hash = await this.upgradeHashIfNeeded(record, record.hashedPassword, password);
    if (await enrolled()) {
      await attempt.release();
      throw await this.deps.guardian.challenge(record.user.id, context);
    }
    // Independent writes, one round trip's time: the counters reset, the session made.
    const [, issued] = await Promise.all([attempt.succeeded(), this.admit(record.user, attempt, false, context, hash)]);
    return issued;
  }

  /** The second step of a login: the challenge names the user, the code proves the second factor. */
  async loginWithSecondFactor(challenge: string, factor: SecondFactor, context: ClientContext): Promise<IssuedSession> {
    const { mfa } = this.deps.guardian;
    const record = await this.deps.store.findLoginById(await mfa.challengedUser(challenge));
    if (!record || record.disabled) throw new InvalidMfaCode();

    const attempt = await mfa.verify(record.user, factor, 'mfa', context);
    await mfa.consumeChallenge(challenge);
    return this.admit(record.user, attempt, true, context);
  }

  /**
   * The current password, checked against the same budget as a login (R13):
   * for a password change and for changes to MFA settings (R28).
   */
  async confirmPassword(view: SessionView, password: string, pathway: Pathway, context: ClientContext): Promise<LoginRecord> {
    const record = await this.deps.store.findLoginById(view.userId);
    const email = record?.user.email ?? view.user.email;
    const attempt = await this.deps.guardian.guard.reserve({ pathway, email, userId: view.userId, ...context });
    if (!record || !(await this.verifyPassword(record, password))) {
      this.deps.guardian.recordLoginFailure(record, false, context, pathway);
      throw new InvalidCredentials();
    }
    await attempt.succeeded();
    return record;
  }

  async validateSessionToken(token: string, check: SessionCheck = {}): Promise<SessionView> {
    if (!isSessionTokenShaped(token)) throw new InvalidSession();

    const tokenHash = hashSessionToken(token);
    let view = await this.deps.sessions.findSessionByTokenHash(tokenHash);
    // A cached copy may only look idle: another instance may have seen it since.
    if (view && this.looksIdle(view)) view = await this.deps.sessions.findFreshByTokenHash(tokenHash);
    return this.deps.guardian.risk.checkUse(this.checkLive(view), check.context, check.allowPendingStepUp === true);
  }

  /** An access token is only as good as the session behind it: a revoked session fails here too. */
  async validateAccessToken(token: string, check: SessionCheck = {}): Promise<{ view: SessionView; claims: AccessClaims }> {
    const claims = await this.deps.accessTokens.verify(token);
    if (!claims) throw new InvalidSession();

    let view = await this.deps.sessions.findSessionById(claims.sessionId);
    if (view && this.looksIdle(view)) view = await this.deps.sessions.findFreshById(claims.sessionId);
    if (view?.userId !== claims.userId) throw new InvalidSession();
    const checked = await this.deps.guardian.risk.checkUse(this.checkLive(view), check.context, false);
    return { view: checked, claims };
  }

  issueAccessToken(view: SessionView): { token: string; expiresAt: number } {
    return this.deps.accessTokens.issue({ userId: view.userId, sessionId: view.id, role: view.user.role });
  }

  async logout(view: SessionView, context?: ClientContext): Promise<void> {
    await this.deps.store.deleteSession(view.id);
    await this.deps.revocations.publish({ kind: 'session', sessionId: view.id, userId: view.userId, at: this.deps.clock.now() });
    this.deps.guardian.recordSessionEvent('logout', view, context);
  }

  async logoutAll(view: SessionView, context?: ClientContext): Promise<void> {
    await this.deps.store.deleteSessionsOfUser(view.userId);
    await this.deps.revocations.publish({ kind: 'user', userId: view.userId, exceptSessionId: null, at: this.deps.clock.now() });
    this.deps.guardian.recordSessionEvent('session.revoke', view, context, 'all_sessions');
  }

  async changePassword(view: SessionView, currentPassword: string, newPassword: string, context: ClientContext): Promise<void> {
    const record = await this.confirmPassword(view, currentPassword, 'password', context);
    const hashedPassword = await this.hashNewPassword(newPassword, record.user);
    const now = this.deps.clock.now();
    const mail = this.deps.notices?.noticeRows('password_changed', record.user) ?? [];
    const previousHash = record.hashedPassword ?? '';
    const change = { userId: view.userId, previousHash, hashedPassword, updatedAt: now, keepSessionId: view.id, mail };
    // Another change got there first: the password given as current no longer is.
    if (!(await this.deps.store.changePassword(change))) throw new InvalidCredentials();
    await this.deps.revocations.publish({ kind: 'user', userId: view.userId, exceptSessionId: view.id, at: now });
    await this.deps.guardian.recordSessionEventNow('password.change', view, context);
  }

  /** A new password for this account: checked against the policy, then hashed. */
  async hashNewPassword(password: string, user: Pick<PublicUser, 'email' | 'name'>): Promise<string> {
    this.assertAcceptable(password, { email: user.email, name: user.name });
    return this.deps.hasher.hash(normalizePassword(password));
  }

  private assertAcceptable(password: string, context: { email: string; name: string | null }): void {
    const { passwordPolicy, isCommonPassword } = this.deps;
    const violations = checkNewPassword(password, passwordPolicy, isCommonPassword, context);
    if (violations.length > 0) throw new WeakPassword(violations);
  }

  /**
   * Every path spends one verification: unknown users and users without a
   * password verify against a dummy hash, so time tells nothing apart.
   */
  private async verifyPassword(record: LoginRecord | undefined, password: string): Promise<boolean> {
    const { hasher, passwordPolicy } = this.deps;
    if (exceedsMaxLength(password, passwordPolicy) || !record?.hashedPassword) {
      return hasher.verifyDummy(password);
    }
    // Imported hashes were made by another system over the raw bytes.
    const imported = record.hashOrigin === 'imported';
    const candidate = imported ? password : normalizePassword(password);
    if (!imported) return hasher.verify(record.hashedPassword, candidate);

    const started = performance.now();
    const verified = await hasher.verify(record.hashedPassword, candidate);
    // Under load a legacy verification takes longer than it did at start: the floor follows it.
    this.deps.onLegacyVerification?.(performance.now() - started);
    return verified;
  }

  /** The hash stored once this login is done: replaced by a current argon2id one if it was imported or is outdated. */
  private async upgradeHashIfNeeded(record: LoginRecord, previousHash: string, password: string): Promise<string> {
    if (record.hashOrigin === 'native' && !this.deps.hasher.needsRehash(previousHash)) return previousHash;

    const hashedPassword = await this.deps.hasher.hash(normalizePassword(password));
    if (await this.deps.store.upgradePasswordHash({ userId: record.user.id, previousHash, hashedPassword })) return hashedPassword;
    // Another login of the same password upgraded it first, or the password was changed: tell them apart.
    const current = await this.deps.store.findLoginById(record.user.id);
    return current?.hashedPassword && (await this.verifyPassword(current, password)) ? current.hashedPassword : previousHash;
  }

  /** Applies the login's risk action, then starts the session and makes the client known. */
  private async admit(
    user: PublicUser,
    attempt: Reservation,
    passedTotp: boolean,
    context: ClientContext,
    verifiedHash?: string,
  ): Promise<IssuedSession> {
    const { guardian } = this.deps;
    const signals = { knownClient: attempt.knownClient, priorFailures: attempt.priorAccountFailures, passedTotp };
    const action = guardian.risk.assessLogin(user.id, signals, context);
    if (action === 'deny') {
      guardian.recordLoginFailure({ user, hashedPassword: null, hashOrigin: 'native', disabled: false }, true, context, 'login', 'risk_denied');
      throw new InvalidCredentials();
    }

    const issued = await this.startSession(user, context, action === 'shorten', verifiedHash);
    // The password was changed while this login was being checked: it gets the new password's answer.
    if (!issued) throw new InvalidCredentials();
    guardian.recordLogin(user.id, issued.session.id, context, passedTotp);
    await Promise.all([attempt.rememberClient(user.id, issued.deviceId), this.deps.notices?.signedIn(user, context)]);
    return issued;
  }

  /** Undefined when `verifiedHash` is given and the user's password hash is no longer it. */
  private async startSession(
    user: PublicUser,
    context: ClientContext,
    shorten: boolean,
    verifiedHash?: string,
  ): Promise<IssuedSession | undefined> {
    const sessionToken = createSessionToken();
    const times = newSessionTimes(this.deps.clock.now(), this.deps.sessionPolicy);
    const ends = shorten ? this.deps.guardian.risk.shortenedExpiry(times.expiresAt) : times.expiresAt;
    const session = { id: createSessionId(), ...times, expiresAt: ends };
    const tokenHash = hashSessionToken(sessionToken);
    const client = { ip: context.ip, userAgent: context.userAgent };
    const row = { ...session, tokenHash, userId: user.id, ...client, ...(verifiedHash === undefined ? {} : { verifiedHash }) };
    if (!(await this.deps.guardian.createSession(row))) return undefined;
    this.deps.sessions.remember({ ...session, ...client, tokenHash, userId: user.id, user, userDisabled: false, stepUpRequired: false });

    const access = this.deps.accessTokens.issue({ userId: user.id, sessionId: session.id, role: user.role });
    const { id, createdAt, expiresAt } = session;
    return {
      user,
      session: { id, createdAt, expiresAt },
      sessionToken,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      deviceId: context.deviceId ?? createDeviceId(),
    };
  }

  private looksIdle(view: SessionView): boolean {
    const now = this.deps.clock.now();
    return now < view.expiresAt && !isSessionLive(view, now, this.deps.sessionPolicy);
  }

  private isLive(view: SessionView): boolean {
    return !view.userDisabled && isSessionLive(view, this.deps.clock.now(), this.deps.sessionPolicy);
  }

  private checkLive(view: SessionView | undefined): SessionView {
    if (!view || !this.isLive(view)) throw new InvalidSession();
    return this.touch(view);
  }

  private touch(view: SessionView): SessionView {
    const now = this.deps.clock.now();
    if (needsTouch(view, now, this.deps.sessionPolicy)) {
      this.deps.touches.touch(view.id, now);
      this.deps.sessions.touched(view.id, now);
    }
    return view;
  }
}

/**
 * A promise started early and awaited later, perhaps never: its failure is
 * held until then instead of surfacing as an unhandled rejection.
 */
function settled<T>(promise: Promise<T>): () => Promise<T> {
  const outcome = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return async () => {
    const result = await outcome;
    if (!result.ok) throw result.error;
    return result.value;
  };
}

function holdUntil(deadline: number): Promise<void> {
  const wait = deadline - performance.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}
