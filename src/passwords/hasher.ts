import { randomBytes } from 'node:crypto';
import * as argon2 from '@node-rs/argon2';
import * as bcrypt from '@node-rs/bcrypt';
import { hashFormat } from '../domain/password-hashes.js';
import type { PasswordHasher } from '../domain/ports.js';
import { WorkQueue } from './work-queue.js';

/** argon2id cost; the floor is OWASP's minimum (19 MiB, t=2, p=1). */
export interface Argon2Params {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

// Const enums of @node-rs/argon2, spelled out because isolatedModules cannot inline them.
const ARGON2ID = 2; // Algorithm.Argon2id
const ARGON2_VERSION_13 = 1; // Version.V0x13, the current version (v=19)
// bcrypt reads at most 72 bytes and stops at NUL in many implementations:
// past either, two different passwords could match one hash.
const BCRYPT_MAX_BYTES = 72;

/**
 * Hashes and verifies passwords on libuv's thread pool, never on the event
 * loop, through a bounded queue as wide as the machine has cores.
 */
export class Argon2Hasher implements PasswordHasher {
  private constructor(
    private readonly params: Argon2Params,
    private readonly queue: WorkQueue,
    private readonly options: argon2.Options,
    // A real hash of a random secret at the current cost: the unknown-user path
    // verifies against it, spending exactly the work of a wrong password.
    private readonly dummyHash: string,
  ) {}

  static async create(params: Argon2Params, queue: WorkQueue): Promise<Argon2Hasher> {
    const options: argon2.Options = {
      algorithm: ARGON2ID,
      memoryCost: params.memoryKiB,
      timeCost: params.iterations,
      parallelism: params.parallelism,
    };
    const dummyHash = await argon2.hash(randomBytes(32), options);
    return new Argon2Hasher(params, queue, options, dummyHash);
  }

  hash(normalizedPassword: string): Promise<string> {
    return this.queue.run(() => argon2.hash(normalizedPassword, this.options));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    switch (hashFormat(hash)) {
      case 'argon2':
        return this.queue.run(() => argon2.verify(hash, password).catch(() => false));
      case 'bcrypt':
        return this.verifyBcrypt(hash, password);
      default:
        return this.verifyDummy(password);
    }
  }

  async verifyDummy(password: string): Promise<false> {
    const dummy = this.dummyHash;
    await this.queue.run(() => argon2.verify(dummy, password).catch(() => false));
    return false;
  }

  needsRehash(hash: string): boolean {
    if (hashFormat(hash) !== 'argon2') return true;

    const current = parseArgon2(hash);
    return (
      current === undefined ||
      current.algorithm !== ARGON2ID ||
      current.version !== ARGON2_VERSION_13 ||
      current.memoryCost !== this.params.memoryKiB ||
      current.timeCost !== this.params.iterations ||
      current.parallelism !== this.params.parallelism
    );
  }

  private verifyBcrypt(hash: string, password: string): Promise<boolean> {
    const bytes = Buffer.byteLength(password);
    if (bytes > BCRYPT_MAX_BYTES || password.includes('\0')) return this.verifyDummy(password);

    return this.queue.run(() => bcrypt.verify(password, hash).catch(() => false));
  }
}

/**
 * How long verifying one bcrypt hash of this cost takes here (the slowest of
 * three), for the failure floor that keeps imported accounts from standing out.
 */
export async function measureBcryptVerify(cost: number): Promise<number> {
  const hash = await bcrypt.hash(randomBytes(16).toString('hex'), cost);
  let slowest = 0;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await bcrypt.verify('not the password', hash);
    slowest = Math.max(slowest, performance.now() - started);
  }
  return slowest;
}

function parseArgon2(hash: string): argon2.ParsedHashOptions | undefined {
  try {
    return argon2.parseOptions(hash);
  } catch {
    return undefined;
  }
}
