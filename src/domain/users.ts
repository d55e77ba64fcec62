/** What the API shows of a user: never a hash, never a flag about how they logged in. */
export interface PublicUser {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly image: string | null;
  readonly role: string;
  readonly teamName: string | null;
  /** When the address was proven by a mailed link; null until then. */
  readonly emailVerifiedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * Where a stored password hash came from. Hashes this service makes are taken
 * over the NFKC form of the password; imported ones were made by another
 * system over the raw bytes, and are verified that way until the first
 * successful login replaces them.
 */
export type HashOrigin = 'native' | 'imported';

/** The one row a login reads. */
export interface LoginRecord {
  readonly user: PublicUser;
  readonly hashedPassword: string | null;
  readonly hashOrigin: HashOrigin;
  readonly disabled: boolean;
}

export function toPublicUser(user: PublicUser): PublicUser {
  const { id, email, name, image, role, teamName, emailVerifiedAt, createdAt, updatedAt } = user;
  return { id, email, name, image, role, teamName, emailVerifiedAt, createdAt, updatedAt };
}
