import type { AuditEvent, AuditSink } from '../domain/audit.js';
import { NotFound } from '../domain/errors.js';
import type { SessionControlStore, SessionSummary } from '../domain/guardian-ports.js';
import type { Clock, RevocationBus } from '../domain/ports.js';

export interface Actor {
  /** `user:<id>`, `admin:<id>` or `admin-token`. */
  readonly name: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/**
 * Listing and ending sessions, for their owner and for admins. Ending one
 * deletes it and then publishes the revocation, so every cache drops it.
 */
export class SessionControl {
  constructor(
    private readonly sessions: SessionControlStore,
    private readonly revocations: RevocationBus,
    private readonly audit: AuditSink,
    private readonly clock: Clock,
  ) {}

  list(userId: string): Promise<SessionSummary[]> {
    return this.sessions.listSessionsOfUser(userId);
  }

  /** Owner: `ownerId` is the caller's user id, and another user's session is a 404 like a missing one. */
  async end(sessionId: string, ownerId: string | null, actor: Actor): Promise<void> {
    const userId = await this.sessions.deleteSessionOf(sessionId, ownerId);
    if (!userId) throw new NotFound('session');

    const at = this.clock.now();
    await this.revocations.publish({ kind: 'session', sessionId, userId, at });
    const type = ownerId === null ? 'admin.session.revoke' : 'session.revoke';
    await this.audit.recordNow(actorEvent(at, type, actor, userId, sessionId));
  }
}

export function actorEvent(at: number, type: AuditEvent['type'], actor: Actor, userId: string | null, sessionId: string | null = null, reason: string | null = null): AuditEvent {
  return { at, type, outcome: 'success', reason, actor: actor.name, userId, sessionId, ip: actor.ip, userAgent: actor.userAgent };
}
