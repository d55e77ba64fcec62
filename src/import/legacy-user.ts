import { canonicalizeEmail } from '../domain/email.js';
import { hashFormat } from '../domain/password-hashes.js';
import type { NewUser } from '../domain/ports.js';

/**
 * One row of another system's users table, turned into a user of ours or
 * refused with a reason. The row keeps its id and role as they were; its email
 * is canonicalised; its hash is kept as it is and marked imported, because
 * the other system hashed the raw password bytes.
 */
export type RawUser = Readonly<Record<string, unknown>>;

export type Mapped = { ok: true; user: NewUser } | { ok: false; reason: string };

const MAX_ID_LENGTH = 191;
const MAX_TEXT = 2048;

export function mapLegacyUser(raw: RawUser, defaultRole: string, now: number): Mapped {
  const id = text(raw.id);
  if (!id || id.length > MAX_ID_LENGTH) return { ok: false, reason: 'id is missing or too long' };

  const email = canonicalizeEmail(text(raw.email) ?? '');
  if (!email.ok) return { ok: false, reason: `email: ${email.reason}` };

  const hashedPassword = text(raw.hashedPassword);
  if (hashedPassword && hashFormat(hashedPassword) === 'unknown') {
    return { ok: false, reason: 'hashedPassword is in no supported format (bcrypt $2a$/$2b$/$2y$, argon2 PHC)' };
  }

  const times = timestamps(raw, now);
  if (!times) return { ok: false, reason: 'createdAt, updatedAt or emailVerified is not a date' };

  return { ok: true, user: buildUser(raw, id, email.email, hashedPassword, defaultRole, times) };
}

interface Times {
  createdAt: number;
  updatedAt: number;
  emailVerifiedAt: number | null;
}

function buildUser(raw: RawUser, id: string, email: string, hash: string | null, role: string, times: Times): NewUser {
  return {
    id,
    email,
    name: bounded(raw.name),
    image: bounded(raw.image),
    role: text(raw.role) ?? role,
    teamName: bounded(raw.teamName),
    hashedPassword: hash,
    hashOrigin: 'imported',
    ...times,
  };
}

function timestamps(raw: RawUser, now: number): Times | undefined {
  const createdAt = time(raw.createdAt, now);
  const updatedAt = time(raw.updatedAt, createdAt ?? now);
  const emailVerifiedAt = raw.emailVerified == null || raw.emailVerified === '' ? null : time(raw.emailVerified, now);
  if (createdAt === undefined || updatedAt === undefined || emailVerifiedAt === undefined) return undefined;
  return { createdAt, updatedAt, emailVerifiedAt };
}

function time(value: unknown, fallback: number): number | undefined {
  if (value == null || value === '') return fallback;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function bounded(value: unknown): string | null {
  return text(value)?.slice(0, MAX_TEXT) ?? null;
}
