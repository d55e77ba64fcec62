import { isAdmitted, waitMs, type CounterReading, type ThrottlePolicy } from './throttle.js';

/**
 * The lockout policy of login-type attempts (password login, the MFA step,
 * the current-password check). Three counters see every attempt:
 * - `pair`: one account from one client (address, or known device), throttled
 *   progressively; the only one that applies to a client the account has
 *   logged in from before, so a stranger cannot lock the owner out;
 * - `account`: the account from anywhere (NIST SP 800-63B: at most 100
 *   consecutive failures), a hard limit for the rest of its window;
 * - `address`: one client address against any accounts (credential stuffing),
 *   throttled progressively.
 */
export type CounterKind = 'pair' | 'account' | 'address';

export const COUNTER_KINDS: readonly CounterKind[] = ['pair', 'account', 'address'];

export type ProtectionPolicy = Readonly<Record<CounterKind, ThrottlePolicy>>;

export type Readings = Readonly<Record<CounterKind, CounterReading>>;

export type Verdict =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly by: CounterKind; readonly retryAfterMs: number };

/** Decides one attempt from the counters it has already incremented. */
export function judgeAttempt(policy: ProtectionPolicy, readings: Readings, knownClient: boolean, now: number): Verdict {
  const applicable = knownClient ? (['pair'] as const) : COUNTER_KINDS;
  const refusals = applicable
    .filter((kind) => !isAdmitted(policy[kind], readings[kind], now))
    .map((kind) => ({ admitted: false as const, by: kind, retryAfterMs: waitMs(policy[kind], readings[kind], now) }));
  if (refusals.length === 0) return { admitted: true };

  return refusals.reduce((longest, next) => (next.retryAfterMs > longest.retryAfterMs ? next : longest));
}

/** Retry-After is whole seconds, and never 0 for a refusal. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
