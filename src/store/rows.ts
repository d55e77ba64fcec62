import type { SessionView } from '../domain/ports.js';
import type { HashOrigin, LoginRecord, PublicUser } from '../domain/users.js';

/**
 * Both engines name their columns alike and hand timestamps over as epoch
 * milliseconds, so one set of row mappers serves both adapters.
 */
export const USER_COLUMNS =
  'id, email, name, image, role, "teamName", "emailVerified" AS "emailVerifiedAt", "createdAt", "updatedAt"';
export const LOGIN_COLUMNS = `${USER_COLUMNS}, "hashedPassword", "hashOrigin", "disabledAt"`;
export const SESSION_VIEW_COLUMNS = `s.id AS "sessionId", s."tokenHash", s."userId", s."createdAt" AS "sessionCreatedAt",
  s."expiresAt", s."lastSeenAt", s.ip, s."userAgent", s."stepUp", u.email, u.name, u.image, u.role, u."teamName",
  u."createdAt", u."updatedAt", u."disabledAt", u."emailVerified" AS "emailVerifiedAt"`;

/** Token hashes travel as base64 text (see hashSessionToken); the tables keep their 32 bytes. */
export function tokenHashBytes(tokenHash: string): Buffer {
  return Buffer.from(tokenHash, 'base64');
}

export interface UserRow {
  id: string;
  email: string;
  name: string | null;
  image: string | null;
  role: string;
  teamName: string | null;
  emailVerifiedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface LoginRow extends UserRow {
  hashedPassword: string | null;
  hashOrigin: string;
  disabledAt: number | null;
}

export interface SessionViewRow extends Omit<UserRow, 'id'> {
  sessionId: string;
  tokenHash: Buffer;
  userId: string;
  sessionCreatedAt: number;
  expiresAt: number;
  lastSeenAt: number;
  ip: string | null;
  userAgent: string | null;
  stepUp: number | boolean;
  disabledAt: number | null;
}

export function toUser(row: UserRow): PublicUser {
  const { id, email, name, image, role, teamName, emailVerifiedAt, createdAt, updatedAt } = row;
  return { id, email, name, image, role, teamName, emailVerifiedAt, createdAt, updatedAt };
}

export function toLoginRecord(row: LoginRow): LoginRecord {
  return {
    user: toUser(row),
    hashedPassword: row.hashedPassword,
    hashOrigin: row.hashOrigin as HashOrigin,
    disabled: row.disabledAt !== null,
  };
}

/**
 * User agents repeat across sessions (a few thousand distinct ones serve
 * millions of sessions), and a cached session keeps its own: one shared copy
 * of each saves over a hundred bytes per cached session. Bounded, so that
 * made-up user agents cannot grow it.
 */
const userAgents = new Map<string, string>();
const MAX_SHARED_USER_AGENTS = 10_000;

function shared(userAgent: string | null): string | null {
  if (userAgent === null) return null;
  const known = userAgents.get(userAgent);
  if (known !== undefined) return known;
  if (userAgents.size < MAX_SHARED_USER_AGENTS) userAgents.set(userAgent, userAgent);
  return userAgent;
}

export function toSessionView(row: SessionViewRow): SessionView {
  const { sessionId, tokenHash, userId, sessionCreatedAt, expiresAt, lastSeenAt, ip, userAgent, stepUp, disabledAt } = row;
  return {
    id: sessionId,
    tokenHash: tokenHash.toString('base64'),
    userId,
    createdAt: sessionCreatedAt,
    expiresAt,
    lastSeenAt,
    ip,
    userAgent: shared(userAgent),
    stepUpRequired: Boolean(stepUp),
    user: toUser({ ...row, id: userId }),
    userDisabled: disabledAt !== null,
  };
}
