import type { CounterReading } from './throttle.js';

/**
 * Shared counters of attempts, each in a fixed window that starts at its first
 * hit. `hit` increments before anyone checks (increment-then-check), in one
 * atomic step per counter on the backing engine, so parallel attempts on one
 * or many instances each see a distinct count.
 */
export interface CounterHit {
  readonly key: string;
  readonly windowMs: number;
}

export interface RequestCounters {
  /** Adds one to each counter (distinct keys) and returns the readings after, in the order given. */
  hit(hits: readonly CounterHit[], now: number): Promise<CounterReading[]>;
}

export interface AttemptCounters extends RequestCounters {
  /** Takes one attempt back from each live counter: for attempts that turned out not to be failures. */
  refund(keys: readonly string[], now: number): Promise<void>;
  clear(keys: readonly string[]): Promise<void>;
  /** Ends every counter whose key starts with `prefix`: an admin unlock reaches all pairs of an account. */
  clearPrefix(prefix: string): Promise<void>;
  /** Deletes counters whose window has ended; returns how many. */
  purgeExpired(now: number): Promise<number>;
}
