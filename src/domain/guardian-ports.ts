import type { AttemptCounters } from './attempt-counters.js';
import type { AuditStore } from './audit.js';
import type { NewSession, SessionView } from './ports.js';
import type { PublicUser } from './users.js';

/**
 * What Guardian (account protection, MFA, risk, audit, admin) needs from
 * storage, beside the core ports in ports.ts. Each engine adapter implements
 * all of it on the same database, so one PostgreSQL makes every instance
 * agree without Redis.
 */
export interface TotpEnrolment {
  readonly secretSealed: string;
  readonly confirmed: boolean;
  readonly lastUsedStep: number | null;
}

export interface MfaChallenge {
  readonly userId: string;
  readonly expiresAt: number;
}

export interface MfaStore {
  findTotp(userId: string): Promise<TotpEnrolment | undefined>;
  /** Stores a pending (unconfirmed) secret, replacing an earlier pending one; false if one is confirmed. */
  savePendingTotp(userId: string, secretSealed: string, now: number): Promise<boolean>;
  /**
   * Compare-and-set of the last step used: true only for the one caller that
   * moves it forward to `step`. Two parallel uses of one code: one wins.
   */
  consumeTotpStep(userId: string, step: number): Promise<boolean>;
  /** Confirms the pending secret and stores the recovery code hashes, in one transaction. */
  confirmTotp(userId: string, recoveryCodeHashes: readonly Buffer[], now: number): Promise<void>;
  deleteTotp(userId: string): Promise<void>;
  /** Marks one unused recovery code used; true only for the caller that did. */
  consumeRecoveryCode(userId: string, codeHash: Buffer, now: number): Promise<boolean>;
  createMfaChallenge(challengeHash: Buffer, challenge: MfaChallenge): Promise<void>;
  findMfaChallenge(challengeHash: Buffer, now: number): Promise<MfaChallenge | undefined>;
  /** Deletes the challenge; true only for the one caller that did (single use). */
  consumeMfaChallenge(challengeHash: Buffer, now: number): Promise<boolean>;
  purgeMfaChallenges(now: number): Promise<number>;
}

export type KnownClientKind = 'device' | 'address';

export interface KnownClient {
  readonly kind: KnownClientKind;
  readonly value: string;
}

/** Clients (device cookies, addresses) an account has logged in from successfully. */
export interface KnownClientStore {
  /** Which of `clients` logged in to the account successfully since `since`. */
  findKnownClients(userId: string, clients: readonly KnownClient[], since: number): Promise<KnownClientKind[]>;
  rememberClients(userId: string, clients: readonly KnownClient[], now: number): Promise<void>;
}

export interface AddressBlock {
  readonly id: string;
  readonly cidr: string;
  readonly until: number;
  readonly reason: string | null;
  readonly createdBy: string;
  readonly createdAt: number;
}

export interface AddressBlockStore {
  insertAddressBlock(block: AddressBlock): Promise<void>;
  listAddressBlocks(now: number): Promise<AddressBlock[]>;
  deleteAddressBlock(id: string): Promise<boolean>;
}

/** A session as its owner and admins see it in a list. */
export type SessionSummary = Pick<SessionView, 'id' | 'userId' | 'createdAt' | 'expiresAt' | 'lastSeenAt' | 'ip' | 'userAgent'>;

export interface SessionControlStore {
  /**
   * Inserts the session and, in the same transaction, deletes the user's
   * oldest sessions beyond `maxPerUser`; returns the ids it deleted.
   */
  /**
   * Inserts the session and ends the user's oldest beyond the cap, in one
   * transaction; answers the ended sessions' ids, or undefined (and inserts
   * nothing) when `session.verifiedHash` is set and no longer the user's hash.
   */
  createCappedSession(session: NewSession, maxPerUser: number): Promise<string[] | undefined>;
  listSessionsOfUser(userId: string): Promise<SessionSummary[]>;
  /** Deletes the session only if it belongs to `userId` (null: any user); returns its owner, if deleted. */
  deleteSessionOf(sessionId: string, userId: string | null): Promise<string | undefined>;
  requireStepUp(sessionId: string): Promise<void>;
  /** Clears the step-up mark and binds the session to the client that confirmed it. */
  confirmStepUp(sessionId: string, ip: string | null, userAgent: string | null): Promise<void>;
  shortenSession(sessionId: string, expiresAt: number): Promise<void>;
}

export interface UserAdminStore {
  findUsersByEmailPrefix(emailPrefix: string, limit: number): Promise<PublicUser[]>;
  findUserById(userId: string): Promise<(PublicUser & { readonly disabled: boolean }) | undefined>;
  /** Sets or clears the disabled mark; disabling deletes every session in the same transaction. */
  setUserDisabled(userId: string, disabledAt: number | null): Promise<boolean>;
  setUserRole(userId: string, role: string, updatedAt: number): Promise<boolean>;
}

export interface GuardianStore
  extends MfaStore,
    KnownClientStore,
    AddressBlockStore,
    SessionControlStore,
    UserAdminStore,
    AuditStore {
  readonly counters: AttemptCounters;
}
