import type { PasswordHasher } from '../domain/ports.js';
import type { Metrics, PasswordOperation } from './metrics.js';

/**
 * A password hasher whose hashes and verifications are timed, the wait in
 * the hashing queue included: that wait is what a login feels under load.
 */
export class TimedHasher implements PasswordHasher {
  constructor(
    private readonly inner: PasswordHasher,
    private readonly metrics: Metrics,
  ) {}

  hash(normalizedPassword: string): Promise<string> {
    return this.time('hash', this.inner.hash(normalizedPassword), performance.now());
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.time('verify', this.inner.verify(hash, password), performance.now());
  }

  verifyDummy(password: string): Promise<false> {
    return this.time('verify', this.inner.verifyDummy(password), performance.now());
  }

  needsRehash(hash: string): boolean {
    return this.inner.needsRehash(hash);
  }

  private async time<T>(operation: PasswordOperation, work: Promise<T>, start: number): Promise<T> {
    try {
      return await work;
    } finally {
      this.metrics.passwordWork(operation, (performance.now() - start) / 1000);
    }
  }
}
