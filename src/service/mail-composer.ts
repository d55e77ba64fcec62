import type { LinkTokenStore } from '../domain/lifecycle-ports.js';
import { chooseLinkBase, createLinkToken, hashLinkToken, linkUrl } from '../domain/link-tokens.js';
import { isLinkMail, LINK_PURPOSES, type ClaimedMail, type LinkMailKind } from '../domain/mail.js';
import type { Clock, UserStore } from '../domain/ports.js';
import type { LoginRecord } from '../domain/users.js';
import type { ComposeMail } from '../mail/outbox-sender.js';
import { renderMail, type TemplateSet } from '../mail/templates.js';

export interface MailComposerDeps {
  readonly users: Pick<UserStore, 'findLoginByEmail' | 'findLoginById'>;
  readonly tokens: Pick<LinkTokenStore, 'saveLinkToken'>;
  readonly templates: TemplateSet;
  readonly links: { readonly baseUrls: readonly string[]; readonly verifyTtlMs: number; readonly resetTtlMs: number };
  readonly clock: Clock;
}

/**
 * Turns an outbox row into the mail to send, at the moment of sending. This
 * is where a link's token is minted: the outbox never holds one, its
 * lifetime starts when the mail leaves, and a retry mints a fresh one (the
 * newest link replaces older ones). It is also where a reset request learns
 * whether its address has an account: the request itself did the same work
 * for every address, and an address without an account gets no mail.
 */
export function mailComposer(deps: MailComposerDeps): ComposeMail {
  return async (mail) => {
    const record = await recipientAccount(deps, mail);
    if (!record || !stillWanted(mail, record)) return null;

    const values = isLinkMail(mail.kind) ? await linkValues(deps, mail, mail.kind, record) : noticeValues(mail);
    return { userId: record.user.id, to: mail.recipient, ...renderMail(deps.templates[mail.kind], values) };
  };
}

async function recipientAccount(deps: MailComposerDeps, mail: ClaimedMail): Promise<LoginRecord | undefined> {
  const record = mail.userId === null ? await deps.users.findLoginByEmail(mail.recipient) : await deps.users.findLoginById(mail.userId);
  return record?.disabled ? undefined : record;
}

/** A verification of an address the account no longer has, or has verified already, is moot. */
function stillWanted(mail: ClaimedMail, record: LoginRecord): boolean {
  if (mail.kind !== 'verify_email') return true;
  return record.user.email === mail.recipient && record.user.emailVerifiedAt === null;
}

async function linkValues(deps: MailComposerDeps, mail: ClaimedMail, kind: LinkMailKind, record: LoginRecord) {
  const purpose = LINK_PURPOSES[kind];
  const ttlMs = kind === 'password_reset' ? deps.links.resetTtlMs : deps.links.verifyTtlMs;
  const token = createLinkToken();
  const now = deps.clock.now();
  await deps.tokens.saveLinkToken({
    tokenHash: hashLinkToken(token),
    purpose,
    userId: record.user.id,
    email: mail.recipient,
    createdAt: now,
    expiresAt: now + ttlMs,
  });
  // Checked again: the allow-list may have changed since the request was queued.
  const base = chooseLinkBase(deps.links.baseUrls, mail.data.linkBase) ?? deps.links.baseUrls[0]!;
  return { link: linkUrl(base, purpose, token), expiresIn: describeDuration(ttlMs) };
}

function noticeValues(mail: ClaimedMail): Record<string, string> {
  return { ...mail.data, time: new Date(mail.createdAt).toUTCString() };
}

const UNITS: Array<[number, string]> = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
];

/** "1 day", "36 hours", "90 minutes": the largest unit that divides the duration. */
export function describeDuration(ms: number): string {
  const [size, unit] = UNITS.find(([size]) => ms % size === 0) ?? [1_000, 'second'];
  const count = Math.round(ms / size);
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
