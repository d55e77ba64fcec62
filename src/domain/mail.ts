import type { LinkPurpose } from './link-tokens.js';

/**
 * Mail the service sends. Every message is first a row of the outbox, written
 * in the same transaction as the change it reports, then sent by the outbox
 * sender; a row never holds a secret: the token of a link mail is minted
 * when the mail is sent, so retries and crashes leave no working link behind
 * in the database.
 */
export type LinkMailKind = 'verify_email' | 'password_reset' | 'email_change_confirm';
export type NoticeKind =
  | 'new_sign_in'
  | 'password_changed'
  | 'email_changed'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'account_locked';
export type MailKind = LinkMailKind | NoticeKind;

export const NOTICE_KINDS: readonly NoticeKind[] = [
  'new_sign_in',
  'password_changed',
  'email_changed',
  'mfa_enabled',
  'mfa_disabled',
  'account_locked',
];

export const LINK_PURPOSES: Readonly<Record<LinkMailKind, LinkPurpose>> = {
  verify_email: 'verify_email',
  password_reset: 'reset_password',
  email_change_confirm: 'change_email',
};

export const MAIL_KINDS: readonly MailKind[] = [...(Object.keys(LINK_PURPOSES) as LinkMailKind[]), ...NOTICE_KINDS];

export function isLinkMail(kind: MailKind): kind is LinkMailKind {
  return kind in LINK_PURPOSES;
}

export interface NewMail {
  readonly id: string;
  readonly kind: MailKind;
  /** Null for a reset request: who owns the address is looked up when the mail is sent. */
  readonly userId: string | null;
  readonly recipient: string;
  /** Template values known when the mail is queued; never a secret. */
  readonly data: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

/** A row the sender has claimed: `attempts` counts this one. */
export interface ClaimedMail extends NewMail {
  readonly attempts: number;
}

export type MailStatus = 'pending' | 'sent' | 'failed' | 'skipped';

/** How one attempt ended, as the outbox records it. */
export type MailOutcome =
  | { readonly status: 'sent'; readonly at: number; readonly subject: string; readonly userId: string }
  | { readonly status: 'skipped'; readonly at: number }
  | { readonly status: 'retry'; readonly dueAt: number; readonly error: string }
  | { readonly status: 'failed'; readonly at: number; readonly error: string };

/** What the outbox keeps of a mail to show its recipient: never a link. */
export interface MailRecord {
  readonly kind: MailKind;
  readonly status: MailStatus;
  readonly subject: string | null;
  readonly createdAt: number;
  readonly settledAt: number | null;
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * After a failed attempt: again later, doubling the wait each time up to a
 * ceiling, or failed for good once the attempts are spent or the server
 * refused the message permanently (an SMTP 5xx answer will not change).
 */
export function afterFailure(
  attempts: number,
  permanent: boolean,
  error: string,
  now: number,
  policy: RetryPolicy,
): MailOutcome {
  if (permanent || attempts >= policy.maxAttempts) return { status: 'failed', at: now, error };

  const delay = Math.min(policy.firstDelayMs * 2 ** (attempts - 1), policy.maxDelayMs);
  return { status: 'retry', dueAt: now + delay, error };
}
