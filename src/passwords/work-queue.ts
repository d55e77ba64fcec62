import { Overloaded } from '../domain/errors.js';

/**
 * Runs at most `concurrency` jobs at once and holds at most `maxQueued` more.
 * Password hashing goes through it: more hashes in flight than cores only
 * adds CPU per login, and an unbounded queue turns overload into timeouts for
 * everyone. A job that finds the queue full fails at once with `Overloaded`.
 */
export class WorkQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
  ) {}

  get depth(): number {
    return this.running + this.waiting.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueued) return Promise.reject(new Overloaded(1));

    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
