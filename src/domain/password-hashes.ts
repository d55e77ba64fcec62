/**
 * The stored password formats the service understands: argon2 in PHC string
 * form (its own, and imported ones) and bcrypt's modular crypt form as other
 * systems wrote it (`$2a$`, `$2b$`, `$2y$`). An argon2 hash whose declared
 * cost is beyond any sane setting counts as unknown: verifying it would let
 * one imported row tie up the hashing threads.
 */
export type HashFormat = 'argon2' | 'bcrypt' | 'unknown';

const BCRYPT = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$argon2(?:id|i|d)\$(?:v=\d+\$)?m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

export const ARGON2_LIMITS = { memoryKiB: 1_048_576, iterations: 64, parallelism: 16 };

export function hashFormat(hash: string): HashFormat {
  const argon2 = ARGON2.exec(hash);
  if (argon2) return withinLimits(argon2) ? 'argon2' : 'unknown';
  return BCRYPT.test(hash) ? 'bcrypt' : 'unknown';
}

function withinLimits([, m, t, p]: RegExpExecArray): boolean {
  return Number(m) <= ARGON2_LIMITS.memoryKiB && Number(t) <= ARGON2_LIMITS.iterations && Number(p) <= ARGON2_LIMITS.parallelism;
}
