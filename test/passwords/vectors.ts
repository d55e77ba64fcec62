/**
 * Fixed password-hash vectors made by implementations other than the ones the
 * service uses (@node-rs/argon2, @node-rs/bcrypt), so the tests show that
 * hashes written elsewhere verify here.
 *
 * argon2: the reference implementation's CLI (Debian package `argon2`,
 * version 0~20171227), e.g.
 *   printf %s 'correct horse battery staple' | argon2 astral-vector-salt -id -t 2 -k 19456 -p 1 -e
 * bcrypt: libxcrypt's crypt(3), called through Python's `crypt` module, e.g.
 *   crypt.crypt('correct horse battery staple', '$2b$04$abcdefghijklmnopqrstuu')
 * The `$2a$` "U*U" vector is also one of the published crypt_blowfish test vectors.
 */
export const ARGON2_PASSWORD = 'correct horse battery staple';

/** argon2id v=19 at the service's default cost (m=19456, t=2, p=1). */
export const ARGON2ID_CURRENT =
  '$argon2id$v=19$m=19456,t=2,p=1$YXN0cmFsLXZlY3Rvci1zYWx0$5pK7FHaCDlVmiya+/ZwRBut2k90znhWJHe+52rgRgpw';
/** argon2id v=19 at another cost (m=65536, t=3, p=4). */
export const ARGON2ID_OTHER_COST =
  '$argon2id$v=19$m=65536,t=3,p=4$YXN0cmFsLXZlY3Rvci1zYWx0$qlR4olzTE4GomW+nFHyYGjhBcJWhckH/6NmCzjLcfdA';
/** argon2i (not id) at the default cost. */
export const ARGON2I_CURRENT_COST =
  '$argon2i$v=19$m=19456,t=2,p=1$YXN0cmFsLXZlY3Rvci1zYWx0$GwT6XNq++tKcS8UKS/q4PcAuYxUWqgnPXh0u66XFjC8';

export const BCRYPT_VECTORS = [
  { prefix: '$2a$', password: 'U*U', hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' },
  { prefix: '$2b$', password: 'correct horse battery staple', hash: '$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG' },
  { prefix: '$2y$', password: 'Tr0ub4dor&3 and friends', hash: '$2y$05$/OK.fbVrR/bpIqNJ5ianF.3ZerL3ZI80zQH/nMV/H7nbjzBQ27YTy' },
  { prefix: '$2b$', password: 'pässwörd ünïcode', hash: '$2b$04$zyxwvutsrqponmlkjihgfeiJaHPIKp0Ef4j3zC2ZGEeCC6OKWhz1G' },
] as const;

/**
 * bcrypt of 'a' repeated 72 times. libxcrypt also accepts 'a' x 72 + 'XYZ'
 * against it (bcrypt reads 72 bytes at most): the collision R06 forbids.
 */
export const BCRYPT_72_A = '$2b$04$0123456789abcdefghijkeLttf6HPvpDBDwoSj1F7RVQxUmVb.azu';

/** bcrypt of 'é' repeated 36 times: 36 characters, 72 UTF-8 bytes. */
export const BCRYPT_72_BYTES_ACCENTED = '$2b$04$Zr7nq5CbSWHQcEOIhsiBjeCEHlUi27YcMrUaqqx2s67yGe7tAnkxm';
