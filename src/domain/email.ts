/**
 * Canonical email addresses. Every lookup and every write goes through
 * `canonicalizeEmail`, so uniqueness, login, lockout keys and audit all see one
 * form (ASVS 1.1.1): trimmed, Unicode NFKC, lower-cased.
 */
export const MAX_EMAIL_LENGTH = 254;

// Control and format characters (zero-width space and joiners, bidi overrides,
// BOM), everything Unicode says renders as nothing (variation selectors, the
// combining grapheme joiner, Hangul fillers), the blank braille cell, private
// use and unassigned code points: each can make two addresses look alike.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u;
const WHITESPACE = /\s/u;
const LOCAL_PART = /^[^@"(),:;<>[\\\]]+$/u;
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;

import { InvalidRequest } from './errors.js';

export type EmailResult = { ok: true; email: string } | { ok: false; reason: string };

export function canonicalizeEmail(raw: string): EmailResult {
  const email = raw.trim().normalize('NFKC').toLowerCase();

  if (email.length === 0) return { ok: false, reason: 'email is empty' };
  if (email.length > MAX_EMAIL_LENGTH) return { ok: false, reason: 'email is too long' };
  if (FORBIDDEN.test(email) || WHITESPACE.test(email)) {
    return { ok: false, reason: 'email holds spaces, control or invisible characters' };
  }

  return checkShape(email);
}

function checkShape(email: string): EmailResult {
  const parts = email.split('@');
  if (parts.length !== 2) return { ok: false, reason: 'email must hold exactly one @' };

  const [local = '', domain = ''] = parts;
  if (!LOCAL_PART.test(local) || local.length > 64) {
    return { ok: false, reason: 'email local part is not a plain address' };
  }
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return { ok: false, reason: 'email local part has misplaced dots' };
  }

  return isPlainDomain(domain)
    ? { ok: true, email }
    : { ok: false, reason: 'email domain is not a host name' };
}

function isPlainDomain(domain: string): boolean {
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label));
}

/** The canonical form of an address from a request, or InvalidRequest naming the field. */
export function requireCanonicalEmail(raw: string, field = 'email'): string {
  const result = canonicalizeEmail(raw);
  if (!result.ok) throw new InvalidRequest(`${field}: ${result.reason}`);
  return result.email;
}
