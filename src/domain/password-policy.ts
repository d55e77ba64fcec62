/**
 * Rules for new passwords, after NIST SP 800-63B rev. 4 §3.1.1.2: a length
 * floor, a hard ceiling checked before any hashing, no composition rules, and a
 * blocklist of common and breached passwords plus words from the account's own
 * context. Existing passwords are never judged by these rules.
 */
export interface PasswordPolicy {
  /** Fewest characters (code points) a new password may have; never below 8. */
  readonly minLength: number;
  /** Most characters accepted; checked before hashing so a huge input costs nothing. */
  readonly maxLength: number;
}

export interface PasswordContext {
  readonly email?: string;
  readonly name?: string | null;
}

export type PasswordViolation = 'too_short' | 'too_long' | 'common' | 'predictable' | 'contextual';

/** The product's own name: a password built on it is the first thing an attacker tries. */
const PRODUCT_WORDS = ['astral-auth', 'astralauth', 'astralfield', 'astral'];

/** Applied on set and on verify, so every visual form of one password hashes alike. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

export function exceedsMaxLength(password: string, policy: PasswordPolicy): boolean {
  // UTF-16 length bounds the code point count from above: a cheap first cut.
  return password.length > policy.maxLength && codePointLength(password) > policy.maxLength;
}

export function checkNewPassword(
  password: string,
  policy: PasswordPolicy,
  isCommon: (candidate: string) => boolean,
  context: PasswordContext = {},
): PasswordViolation[] {
  if (exceedsMaxLength(password, policy)) return ['too_long'];

  const normalized = normalizePassword(password);
  const violations: PasswordViolation[] = [];
  if (codePointLength(normalized) < policy.minLength) violations.push('too_short');
  const lowered = normalized.toLowerCase();
  if (isCommon(normalized) || isCommon(lowered) || isCommon(strippedCore(lowered))) violations.push('common');
  if (isPredictable(lowered)) violations.push('predictable');
  if (isContextual(lowered, context)) violations.push('contextual');
  return violations;
}

/**
 * A common password padded with digits or symbols ("password!!!!!!!!",
 * "dragon123456789") is as guessable as the word: cracking rules add padding first.
 */
function strippedCore(lowered: string): string {
  return lowered.replace(/^[\d\p{P}\p{S}\s]+|[\d\p{P}\p{S}\s]+$/gu, '');
}

/**
 * Repetition and runs (NIST 800-63B's "repetitive or sequential characters"):
 * "aaaaaaaaaaaaaaaa", "abcabcabcabcabc", "1234567890123456", "zyxwvutsrqponml".
 * The breach lists hold few entries this long, so length alone would let them by.
 */
export function isPredictable(lowered: string): boolean {
  const chars = [...lowered];
  if (/^(.{1,4})\1+$/su.test(lowered)) return true;
  if (chars.length < 2) return false;

  let steps = 0;
  for (let i = 1; i < chars.length; i++) {
    if (isStep(chars[i - 1]!, chars[i]!)) steps++;
  }
  return steps / (chars.length - 1) >= 0.8;
}

function isStep(previous: string, next: string): boolean {
  const delta = next.codePointAt(0)! - previous.codePointAt(0)!;
  const digitWrap = (previous === '9' && next === '0') || (previous === '0' && next === '9');
  return Math.abs(delta) === 1 || digitWrap;
}

function isContextual(lowered: string, context: PasswordContext): boolean {
  const squeezed = squeeze(lowered);
  return contextWords(context).some((word) => {
    const bare = squeeze(word);
    return lowered === word || squeezed === bare || isWordPlusPadding(lowered, word) || isWordPlusPadding(squeezed, bare);
  });
}

/** "alice.smith" and "Mary-Jane Watson" are typed without their punctuation just as often. */
function squeeze(text: string): string {
  return text.replace(/[\s\d\p{P}\p{S}]+/gu, '');
}

// "alice2024!" or "Astral Astral Astral" say nothing beyond the word itself.
function isWordPlusPadding(lowered: string, word: string): boolean {
  if (word.length < 3 || !lowered.includes(word)) return false;
  const rest = lowered.split(word).join('');
  return /^[\s\d\p{P}\p{S}]*$/u.test(rest);
}

function contextWords(context: PasswordContext): string[] {
  const words = [...PRODUCT_WORDS];
  const local = context.email?.split('@')[0];
  if (local && local.length >= 3) words.push(local);
  const name = context.name?.trim().toLowerCase();
  if (name && name.length >= 3) words.push(name, name.replace(/\s+/g, ''));
  return words;
}
