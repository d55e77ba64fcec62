import { randomUUID } from 'node:crypto';
import { canonicalizeEmail } from '../domain/email.js';
import { InvalidCredentials, InvalidRequest, InvalidSession, WeakPassword } from '../domain/errors.js';
import {
  checkNewPassword,
  exceedsMaxLength,
  normalizePassword,
  type PasswordPolicy,
} from '../domain/password-policy.js';
import type { Clock, PasswordHasher, RevocationBus, SessionCache, SessionView, Store } from '../domain/ports.js';
import {
  createSessionId,
  createSessionToken,
  hashSessionToken,
  isSessionTokenShaped,
} from '../domain/session-tokens.js';
import { isSessionLive, needsTouch, newSessionTimes, type SessionPolicy } from '../domain/sessions.js';
import type { LoginRecord, PublicUser } from '../domain/users.js';
import type { AccessClaims, AccessTokens } from '../tokens/access-tokens.js';
import type { TouchWriter } from './touch-writer.js';

export interface Registration {
  readonly email: string;
  readonly password: string;
  readonly name?: string | undefined;
  readonly image?: string | undefined;
  readonly teamName?: string | undefined;
}

export interface ClientContext {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface IssuedSession {
  readonly user: PublicUser;
  readonly session: { readonly id: string; readonly createdAt: number; readonly expiresAt: number };
  readonly sessionToken: string;
  readonly accessToken: string;
  readonly accessTokenExpiresAt: number;
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
}

/**
 * The use cases of the service: register, log in, check and end sessions,
 * change a password. Each reads as a short list of steps; storage, hashing and
 * signing come in through the ports.
 */
export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  /** `role` is for trusted callers (the CLI); the HTTP API never passes one. */
  async register(input: Registration, role = this.deps.defaultRole): Promise<PublicUser> {
    const email = requireEmail(input.email);
    this.assertAcceptable(input.password, { email, name: input.name ?? null });

    const hashedPassword = await this.deps.hasher.hash(normalizePassword(input.password));
    const now = this.deps.clock.now();
    return this.deps.store.createUser({
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
    });
  }

  async login(email: string, password: string, context: ClientContext): Promise<IssuedSession> {
    const started = performance.now();
    const canonical = requireEmail(email);
    const record = await this.deps.store.findLoginByEmail(canonical);
    const verified = await this.verifyPassword(record, password);
    if (!record?.hashedPassword || !verified || record.disabled) {
      await holdUntil(started + (this.deps.failureFloorMs?.() ?? 0));
      throw new InvalidCredentials();
    }

    const hash = await this.upgradeHashIfNeeded(record, record.hashedPassword, password);
    const issued = await this.startSession(record.user, context, hash);
    // The password was changed while this login was being checked: it gets the new password's answer.
    if (!issued) throw new InvalidCredentials();
    return issued;
  }

  async validateSessionToken(token: string): Promise<SessionView> {
    if (!isSessionTokenShaped(token)) throw new InvalidSession();

    const tokenHash = hashSessionToken(token);
    const view = await this.deps.sessions.findSessionByTokenHash(tokenHash);
    if (!view || !this.looksIdle(view)) return this.checkLive(view);
    // A cached copy may only look idle: another instance may have seen it since.
    return this.checkLive(await this.deps.sessions.findFreshByTokenHash(tokenHash));
  }

  /** An access token is only as good as the session behind it: a revoked session fails here too. */
  async validateAccessToken(token: string): Promise<{ view: SessionView; claims: AccessClaims }> {
    const claims = await this.deps.accessTokens.verify(token);
    if (!claims) throw new InvalidSession();

    let view = await this.deps.sessions.findSessionById(claims.sessionId);
    if (view && this.looksIdle(view)) view = await this.deps.sessions.findFreshById(claims.sessionId);
    if (view?.userId !== claims.userId) throw new InvalidSession();
    return { view: this.checkLive(view), claims };
  }

  issueAccessToken(view: SessionView): Promise<{ token: string; expiresAt: number }> {
    return this.deps.accessTokens.issue({ userId: view.userId, sessionId: view.id, role: view.user.role });
  }

  async logout(view: SessionView): Promise<void> {
    await this.deps.store.deleteSession(view.id);
    await this.deps.revocations.publish({ kind: 'session', sessionId: view.id, userId: view.userId, at: this.deps.clock.now() });
  }

  async logoutAll(userId: string): Promise<void> {
    await this.deps.store.deleteSessionsOfUser(userId);
    await this.deps.revocations.publish({ kind: 'user', userId, exceptSessionId: null, at: this.deps.clock.now() });
  }

  async changePassword(view: SessionView, currentPassword: string, newPassword: string): Promise<void> {
    const record = await this.deps.store.findLoginById(view.userId);
    const verified = await this.verifyPassword(record, currentPassword);
    if (!record?.hashedPassword || !verified) throw new InvalidCredentials();
    this.assertAcceptable(newPassword, { email: record.user.email, name: record.user.name });

    const hashedPassword = await this.deps.hasher.hash(normalizePassword(newPassword));
    const now = this.deps.clock.now();
    const change = { userId: view.userId, previousHash: record.hashedPassword, hashedPassword, updatedAt: now, keepSessionId: view.id };
    // Another change got there first: the password given as current no longer is.
    if (!(await this.deps.store.changePassword(change))) throw new InvalidCredentials();
    await this.deps.revocations.publish({ kind: 'user', userId: view.userId, exceptSessionId: view.id, at: now });
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
    const candidate = record.hashOrigin === 'imported' ? password : normalizePassword(password);
    return hasher.verify(record.hashedPassword, candidate);
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

  /** Undefined when the user's password hash is no longer `verifiedHash`. */
  private async startSession(user: PublicUser, context: ClientContext, verifiedHash: string): Promise<IssuedSession | undefined> {
    const sessionToken = createSessionToken();
    const times = newSessionTimes(this.deps.clock.now(), this.deps.sessionPolicy);
    const session = { id: createSessionId(), ...times };
    const tokenHash = hashSessionToken(sessionToken);
    const row = { ...session, tokenHash, userId: user.id, ip: context.ip, userAgent: context.userAgent, verifiedHash };
    if (!(await this.deps.store.createSession(row))) return undefined;
    this.deps.sessions.remember({ ...session, tokenHash, userId: user.id, user, userDisabled: false });

    const access = await this.deps.accessTokens.issue({ userId: user.id, sessionId: session.id, role: user.role });
    const { id, createdAt, expiresAt } = session;
    return {
      user,
      session: { id, createdAt, expiresAt },
      sessionToken,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
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

function holdUntil(deadline: number): Promise<void> {
  const wait = deadline - performance.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}

function requireEmail(raw: string): string {
  const result = canonicalizeEmail(raw);
  if (!result.ok) throw new InvalidRequest(`email: ${result.reason}`);
  return result.email;
}
