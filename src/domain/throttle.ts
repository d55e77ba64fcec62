/**
 * Progressive throttling from one counter. A counter counts attempts within a
 * window that starts at its first attempt. `free` attempts are allowed at
 * once; after them the allowance grows with time, each extra attempt waiting
 * twice as long as the one before (`backoffBaseMs`, 2×, 4×, … capped at
 * `backoffMaxMs`). With no backoff the allowance stays at `free` until the
 * window ends: a lock. Computed from the count and the window start alone, so
 * a counter that is incremented atomically before the check (never a
 * read-then-write) bounds evaluations exactly, however many run in parallel.
 */
export interface ThrottlePolicy {
  readonly free: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly windowMs: number;
}

export interface CounterReading {
  readonly count: number;
  readonly startedAt: number;
  readonly endsAt: number;
}

/** How many attempts the counter allows `elapsedMs` into its window. */
export function allowance(policy: ThrottlePolicy, elapsedMs: number): number {
  return policy.free + extraAttemptsBy(policy, elapsedMs);
}

/** True when the attempt that brought the counter to `reading.count` may go ahead. */
export function isAdmitted(policy: ThrottlePolicy, reading: CounterReading, now: number): boolean {
  return reading.count <= allowance(policy, now - reading.startedAt);
}

/** How long until an attempt beyond `reading.count - 1` would be admitted; at most until the window ends. */
export function waitMs(policy: ThrottlePolicy, reading: CounterReading, now: number): number {
  const untilWindowEnds = Math.max(0, reading.endsAt - now);
  const extra = reading.count - policy.free;
  if (extra <= 0) return 0;
  if (policy.backoffBaseMs <= 0) return untilWindowEnds;

  const admittedAt = reading.startedAt + cumulativeWait(policy, extra);
  return Math.min(untilWindowEnds, Math.max(0, admittedAt - now));
}

/** Sum of the first `steps` waits: base, 2·base, 4·base, … each capped at the maximum. */
function cumulativeWait(policy: ThrottlePolicy, steps: number): number {
  const { backoffBaseMs: base } = policy;
  const max = Math.max(policy.backoffMaxMs, base);
  const doublings = doublingSteps(base, max);
  if (steps <= doublings) return base * (2 ** steps - 1);
  return base * (2 ** doublings - 1) + (steps - doublings) * max;
}

function extraAttemptsBy(policy: ThrottlePolicy, elapsedMs: number): number {
  const { backoffBaseMs: base } = policy;
  const max = Math.max(policy.backoffMaxMs, base);
  if (base <= 0 || elapsedMs < base) return 0;

  const doublings = doublingSteps(base, max);
  const doublingTime = base * (2 ** doublings - 1);
  if (elapsedMs < doublingTime) return Math.floor(Math.log2(elapsedMs / base + 1));
  return doublings + Math.floor((elapsedMs - doublingTime) / max);
}

/** How many waits (base, 2·base, …) stay within the cap before every later one equals it. */
function doublingSteps(base: number, max: number): number {
  return Math.floor(Math.log2(Math.max(max, base) / base)) + 1;
}
