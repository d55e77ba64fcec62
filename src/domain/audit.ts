/**
 * The audit trail: append-only records of what happened to whom, from where
 * (ASVS 16.2, 16.3). A record holds ids, addresses and reasons, never a
 * password, token, code, secret or email: an audit reader learns who and
 * when, not how to become them.
 */
export type AuditType =
  | 'register'
  | 'login'
  | 'login.throttled'
  | 'mfa.challenge'
  | 'mfa.verify'
  | 'mfa.enroll'
  | 'mfa.confirm'
  | 'mfa.disable'
  | 'mfa.recovery_code'
  | 'session.step_up'
  | 'logout'
  | 'session.revoke'
  | 'session.evicted'
  | 'password.change'
  | 'risk'
  | 'admin.unlock'
  | 'admin.disable'
  | 'admin.enable'
  | 'admin.role'
  | 'admin.session.revoke'
  | 'admin.block'
  | 'admin.unblock'
  | 'admin.read';

export type AuditOutcome = 'success' | 'failure' | 'denied' | 'info';

export interface AuditEvent {
  readonly at: number;
  readonly type: AuditType;
  readonly outcome: AuditOutcome;
  /** Why, in a fixed vocabulary (`invalid_password`, `locked:account`, `context_change:address`…). */
  readonly reason: string | null;
  /** Who acted: `user:<id>`, `admin:<id>`, `admin-token`, `system`, or null for an anonymous client. */
  readonly actor: string | null;
  /** The account the event is about, when one is known. */
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface StoredAuditEvent extends AuditEvent {
  readonly id: string;
}

export interface AuditQuery {
  readonly userId?: string | undefined;
  readonly type?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Events older (smaller id) than this one: keyset pagination, newest first. */
  readonly beforeId?: string | undefined;
  readonly limit: number;
}

/** The application path only ever inserts; reads are for admins; deletes only for retention. */
export interface AuditStore {
  appendAuditEvents(events: readonly AuditEvent[]): Promise<void>;
  queryAuditEvents(query: AuditQuery): Promise<StoredAuditEvent[]>;
  purgeAuditEventsBefore(cutoff: number): Promise<number>;
  /**
   * The one rewrite the trail allows, when an account is deleted: its id (as
   * subject and as actor) becomes the pseudonym, and the client's address and
   * user agent are dropped. The table's trigger refuses every other update.
   */
  pseudonymizeAuditEvents(userId: string, pseudonym: string): Promise<number>;
}

/** Where the services send events: a queue in front of the store. */
export interface AuditSink {
  /** Queued; written in the next batch. */
  record(event: AuditEvent): void;
  /** Queued and written before the promise resolves (kept queued for retry if the write fails). */
  recordNow(event: AuditEvent): Promise<void>;
}

const MAX_USER_AGENT = 256;

/** User agents are client-chosen: bounded in length and stripped of control characters. */
export function cleanUserAgent(userAgent: string | null): string | null {
  if (userAgent === null) return null;
  return userAgent.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, MAX_USER_AGENT);
}
