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

  if (raw.hashedPassword != null && typeof raw.hashedPassword !== 'string') {
    return { ok: false, reason: 'hashedPassword is neither text nor empty' };
  }
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
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' ? parseTimestamp(value.trim()) : undefined;
}

// ISO 8601 date and time as databases export it; without a zone it is UTC,
// which is what Prisma writes into its zone-less columns.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Stricter than Date.parse, which takes "1" for 2001 and rolls 30 February into March. */
export function parseTimestamp(text: string): number | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;

  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;

  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction.slice(0, 4)}${normalizeZone(zone)}`;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

function normalizeZone(zone: string): string {
  if (zone.toUpperCase() === 'Z') return 'Z';
  const digits = zone.slice(1).replace(':', '').padEnd(4, '0');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2)}`;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function bounded(value: unknown): string | null {
  return text(value)?.slice(0, MAX_TEXT) ?? null;
}
