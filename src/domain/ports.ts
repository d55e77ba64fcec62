import type { NewMail } from './mail.js';
import type { HashOrigin, LoginRecord, PublicUser } from './users.js';

/**
 * What the domain needs from the outside world. Each engine adapter in
 * src/store implements `Store`; one contract suite (test/store) runs against
 * every adapter on its real engine.
 */
export interface NewUser extends PublicUser {
  readonly hashedPassword: string | null;
  readonly hashOrigin: HashOrigin;
  readonly emailVerifiedAt: number | null;
}

export interface NewSession {
  readonly id: string;
  /** See hashSessionToken: base64 of the SHA-256 of the token. */
  readonly tokenHash: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly lastSeenAt: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /**
   * The password hash the login was verified against. When set, the session
   * is created only while the user still has this hash: a login that was
   * checked against a password changed meanwhile must not outlive the change.
   */
  readonly verifiedHash?: string;
}

/** A live-looking session joined with the user it belongs to: what a session check reads. */
export interface SessionView {
  readonly id: string;
  /** Base64 of the SHA-256 of the session token: what caches key the session by. */
  readonly tokenHash: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly lastSeenAt: number;
  /** The client the session was created by: risk checks compare each use against it. */
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** Set by a risk signal: the session must be confirmed with a TOTP code before further use. */
  readonly stepUpRequired: boolean;
  readonly user: PublicUser;
  readonly userDisabled: boolean;
}

export interface SessionTouch {
  readonly id: string;
  readonly lastSeenAt: number;
}

export interface PasswordChange {
  readonly userId: string;
  /** Compare-and-set: the change applies only if the stored hash is still the one the current password was checked against. */
  readonly previousHash: string;
  readonly hashedPassword: string;
  readonly updatedAt: number;
  /** The caller's session survives; every other session of the user ends in the same transaction. */
  readonly keepSessionId: string | null;
  /** Notices queued in the same transaction (see domain/mail.ts). */
  readonly mail?: readonly NewMail[];
}

export interface HashUpgrade {
  readonly userId: string;
  /** Compare-and-set: the upgrade applies only if the stored hash is still this one. */
  readonly previousHash: string;
  readonly hashedPassword: string;
}

export interface StoredSigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly publicJwk: string;
  readonly privateKeySealed: string;
  readonly createdAt: number;
  /**
   * When the key starts signing. A rotated-in key is published this long
   * before, so verifiers holding a cached JWKS have fetched it by then.
   */
  readonly activatesAt: number;
  /** Set when a newer key took over: the key stays published until then, for tokens it signed. */
  readonly retiresAt: number | null;
}

export type ImportOutcome = 'inserted' | 'already_imported' | 'email_conflict';

export interface UserStore {
  /** `mail` (the verification link) is queued in the same transaction as the account. */
  createUser(user: NewUser, mail?: readonly NewMail[]): Promise<PublicUser>;
  findLoginByEmail(email: string): Promise<LoginRecord | undefined>;
  findLoginById(userId: string): Promise<LoginRecord | undefined>;
  upgradePasswordHash(upgrade: HashUpgrade): Promise<boolean>;
  /** False, changing nothing and ending no session, when the hash is no longer `previousHash`. */
  changePassword(change: PasswordChange): Promise<boolean>;
  importUsers(users: readonly NewUser[]): Promise<ImportOutcome[]>;
  /** The highest bcrypt cost among imported hashes not yet replaced, or null when none is left. */
  legacyBcryptCost(): Promise<number | null>;
}

/** The read side of sessions, as the hot path sees it: the store itself, or a cache in front of it. */
export interface SessionReader {
  findSessionByTokenHash(tokenHash: string): Promise<SessionView | undefined>;
  findSessionById(sessionId: string): Promise<SessionView | undefined>;
}

/**
 * A cache in front of the store's session reads. Its answers may be stale in
 * one way only: a cached `lastSeenAt` can lag another instance's touch, so a
 * view that looks idle-expired is read again past the cache before it is refused.
 */
export interface SessionCache extends SessionReader {
  findFreshByTokenHash(tokenHash: string): Promise<SessionView | undefined>;
  findFreshById(sessionId: string): Promise<SessionView | undefined>;
  /** A session just created: cache it so its first check is a hit. */
  remember(view: SessionView): void;
  touched(sessionId: string, lastSeenAt: number): void;
}

export interface SessionStore extends SessionReader {
  /** False, creating nothing, when `verifiedHash` is set and no longer the user's hash. */
  createSession(session: NewSession): Promise<boolean>;
  touchSessions(touches: readonly SessionTouch[]): Promise<void>;
  deleteSession(sessionId: string): Promise<boolean>;
  deleteSessionsOfUser(userId: string): Promise<number>;
}

export interface KeyStore {
  listSigningKeys(): Promise<StoredSigningKey[]>;
  insertSigningKey(key: StoredSigningKey): Promise<void>;
  /** Marks every other unretired key to retire at `retiresAt`. */
  retireSigningKeysExcept(kid: string, retiresAt: number): Promise<void>;
}

export interface Store extends UserStore, SessionStore, KeyStore {
  readonly engine: 'sqlite' | 'postgres';
  migrate(): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PasswordHasher {
  hash(normalizedPassword: string): Promise<string>;
  /** Verifies against any supported format; false for a malformed hash, never a throw. */
  verify(hash: string, password: string): Promise<boolean>;
  /** Spends the work of one verification without a real hash: the unknown-user path. */
  verifyDummy(password: string): Promise<false>;
  needsRehash(hash: string): boolean;
}

/**
 * A session ended before its time. Published after the store has forgotten
 * it, so that every cache and every verifier that heard of it drops it too.
 * A `user` revocation ends every session of that user that existed at `at`,
 * except `exceptSessionId` (the caller's own, on a password change).
 */
export type Revocation =
  | { readonly kind: 'session'; readonly sessionId: string; readonly userId: string; readonly at: number }
  | { readonly kind: 'user'; readonly userId: string; readonly exceptSessionId: string | null; readonly at: number }
  /** Not a revocation: the user's role or profile changed, so cached copies must be read again. */
  | { readonly kind: 'user_changed'; readonly userId: string; readonly at: number };

/** `local` when this process published the revocation; its listeners are awaited before it goes out. */
export type RevocationOrigin = 'local' | 'remote';
export type RevocationListener = (revocation: Revocation, origin: RevocationOrigin) => void | Promise<void>;

export interface RevocationBus {
  /** Resolves once this process's listeners are done and the revocation is on its way to the others. */
  publish(revocation: Revocation): Promise<void>;
  /** Returns the function that ends the subscription. */
  subscribe(listener: RevocationListener): () => void;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
