/**
 * The stored password formats the service understands: argon2 in PHC string
 * form (its own, and imported ones) and bcrypt's modular crypt form as other
 * systems wrote it (`$2a$`, `$2b$`, `$2y$`).
 */
export type HashFormat = 'argon2' | 'bcrypt' | 'unknown';

const BCRYPT = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$argon2(id|i|d)\$(v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

export function hashFormat(hash: string): HashFormat {
  if (ARGON2.test(hash)) return 'argon2';
  if (BCRYPT.test(hash)) return 'bcrypt';
  return 'unknown';
}
