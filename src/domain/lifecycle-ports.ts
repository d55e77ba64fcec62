import type { LinkPurpose } from './link-tokens.js';
import type { ClaimedMail, MailOutcome, MailRecord, NewMail } from './mail.js';

/**
 * What the account lifecycle (verification, recovery, notices, export,
 * deletion, retention) needs from storage, beside the core `Store`. Each
 * engine builds one from the same database; the contract suite in test/store
 * runs against both.
 */
export interface NewLinkToken {
  readonly tokenHash: Buffer;
  readonly purpose: LinkPurpose;
  readonly userId: string;
  /** The address the link was mailed to: the token proves control of that one only. */
  readonly email: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** What a live link token stands for. */
export interface LinkGrant {
  readonly userId: string;
  readonly email: string;
}

export interface TokenUse {
  readonly tokenHash: Buffer;
  readonly now: number;
}

export interface PasswordReset extends TokenUse {
  readonly hashedPassword: string;
  /** Notices to queue with the change; their recipient is the account's address. */
  readonly mail: readonly NewMail[];
}

export interface EmailChange extends TokenUse {
  /** The notice to the old address, its account and recipient filled in by the store; null when notices are off. */
  readonly notice: Omit<NewMail, 'userId' | 'recipient'> | null;
}

export type EmailChangeResult = { readonly userId: string; readonly oldEmail: string } | 'invalid';

/** A login's client, as a device the account has been seen on. */
export interface DeviceSighting {
  readonly userId: string;
  /** SHA-256 of the client's address and user agent. */
  readonly deviceKey: Buffer;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly at: number;
}

/** `first`: the account's first device; `new`: another device besides known ones. */
export type SightingOutcome = 'first' | 'known' | 'new';

export interface SessionRecord {
  readonly id: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly lastSeenAt: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface DeviceRecord {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
}

export type PurgeTarget = 'sessions' | 'link_tokens' | 'mail' | 'devices';

/** Everything at or before these times is gone for good. */
export interface PurgeCutoffs {
  readonly now: number;
  /** Sessions last seen before this are past their idle timeout. */
  readonly idleBefore: number;
  readonly mailBefore: number;
  readonly devicesBefore: number;
}

export interface OutboxStore {
  enqueueMail(mail: readonly NewMail[]): Promise<void>;
  /**
   * Takes up to `limit` due rows for this sender: they become due again only
   * at `leaseUntil`, so a sender that dies mid-send gives them back, and no
   * other sender takes them meanwhile.
   */
  claimMail(now: number, leaseUntil: number, limit: number): Promise<ClaimedMail[]>;
  settleMail(id: string, outcome: MailOutcome): Promise<void>;
  listMailOfUser(userId: string): Promise<MailRecord[]>;
}

export interface LinkTokenStore {
  /** Stores a token; earlier tokens of the same user and purpose stop working: the newest link wins. */
  saveLinkToken(token: NewLinkToken): Promise<void>;
  /** A live token's grant without using it up: to check a new password against its account first. */
  peekLinkToken(tokenHash: Buffer, purpose: LinkPurpose, now: number): Promise<LinkGrant | undefined>;
  /** Uses a verification token and marks the address verified, if it is still the account's. */
  verifyEmail(use: TokenUse): Promise<LinkGrant | undefined>;
  /** Uses a reset token, sets the password, verifies the address and ends every session, at once. */
  resetPassword(reset: PasswordReset): Promise<LinkGrant | undefined>;
  /** Uses a change token and moves the account to the new address; EmailTaken if it was taken meanwhile. */
  changeEmail(change: EmailChange): Promise<EmailChangeResult>;
}

export interface AccountDataStore {
  recordSignIn(sighting: DeviceSighting, noticeIfNew: NewMail | null): Promise<SightingOutcome>;
  listSessionsOfUser(userId: string): Promise<SessionRecord[]>;
  listDevicesOfUser(userId: string): Promise<DeviceRecord[]>;
  /** Deletes the account with its sessions, tokens, devices and mail; false if it was already gone. */
  deleteUser(userId: string): Promise<boolean>;
  /** Deletes at most `limit` rows of one kind past their time; repeat until it answers fewer. */
  purgeBatch(target: PurgeTarget, cutoffs: PurgeCutoffs, limit: number): Promise<number>;
}

export interface LifecycleStore extends OutboxStore, LinkTokenStore, AccountDataStore {}
