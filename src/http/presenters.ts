import { LRUCache } from 'lru-cache';
import type { StoredAuditEvent } from '../domain/audit.js';
import type { AddressBlock, SessionSummary } from '../domain/guardian-ports.js';
import type { SessionView } from '../domain/ports.js';
import { idleExpiresAt, type SessionPolicy } from '../domain/sessions.js';
import type { PublicUser } from '../domain/users.js';
import type { IssuedSession } from '../service/auth-service.js';

/** Domain values (epoch milliseconds) as the API shows them (ISO 8601, UTC). */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function presentUser(user: PublicUser) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    image: user.image,
    role: user.role,
    teamName: user.teamName,
    // Views cached before this field existed lack it: absent reads as not verified.
    emailVerified: user.emailVerifiedAt ? iso(user.emailVerifiedAt) : null,
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
  };
}

export function presentLogin(issued: IssuedSession) {
  return {
    user: presentUser(issued.user),
    session: { id: issued.session.id, expiresAt: iso(issued.session.expiresAt) },
    sessionToken: issued.sessionToken,
    accessToken: issued.accessToken,
    accessTokenExpiresAt: iso(issued.accessTokenExpiresAt),
  };
}

/**
 * The session answer as JSON text. A cached view is one object until it is
 * touched or dropped, so its answer is built once and served as is: the hot
 * path then formats no dates and serialises nothing. Only the most recently
 * answered views keep theirs, so the memory it takes stays bounded however
 * many sessions are cached.
 */
const sessionBodies = new LRUCache<SessionView, string>({ max: 50_000 });

export function sessionBody(view: SessionView, policy: SessionPolicy): string {
  let body = sessionBodies.get(view);
  if (body === undefined) {
    body = JSON.stringify(presentSession(view, policy));
    sessionBodies.set(view, body);
  }
  return body;
}

export function presentSession(view: SessionView, policy: SessionPolicy) {
  return {
    user: presentUser(view.user),
    session: {
      id: view.id,
      createdAt: iso(view.createdAt),
      expiresAt: iso(view.expiresAt),
      idleExpiresAt: iso(idleExpiresAt(view, policy)),
    },
  };
}

export function presentSessionSummary(session: SessionSummary) {
  return {
    id: session.id,
    createdAt: iso(session.createdAt),
    expiresAt: iso(session.expiresAt),
    lastSeenAt: iso(session.lastSeenAt),
    ip: session.ip,
    userAgent: session.userAgent,
  };
}

export function presentAuditEvent(event: StoredAuditEvent) {
  return { ...event, at: iso(event.at) };
}

export function presentBlock(block: AddressBlock) {
  return { ...block, until: iso(block.until), createdAt: iso(block.createdAt) };
}
