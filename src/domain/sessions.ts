/**
 * Session lifetime rules. A session ends at the first of two moments: its
 * absolute expiry, fixed at login, and `idleTimeoutMs` after it was last seen.
 * "Last seen" is only written when it has drifted by more than
 * `touchIntervalMs`, so sliding expiry does not cost a write per request.
 */
export interface SessionPolicy {
  readonly absoluteLifetimeMs: number;
  readonly idleTimeoutMs: number;
  readonly touchIntervalMs: number;
}

export interface SessionTimes {
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly lastSeenAt: number;
}

export function newSessionTimes(now: number, policy: SessionPolicy): SessionTimes {
  return { createdAt: now, expiresAt: now + policy.absoluteLifetimeMs, lastSeenAt: now };
}

export function idleExpiresAt(session: SessionTimes, policy: SessionPolicy): number {
  return Math.min(session.lastSeenAt + policy.idleTimeoutMs, session.expiresAt);
}

export function isSessionLive(session: SessionTimes, now: number, policy: SessionPolicy): boolean {
  return now < session.expiresAt && now < session.lastSeenAt + policy.idleTimeoutMs;
}

export function needsTouch(session: SessionTimes, now: number, policy: SessionPolicy): boolean {
  return now - session.lastSeenAt >= policy.touchIntervalMs;
}

/** The touch interval must stay well inside the idle timeout, or sessions would lapse while in use. */
export function defaultTouchInterval(idleTimeoutMs: number): number {
  return Math.max(1_000, Math.min(60_000, Math.floor(idleTimeoutMs / 10)));
}
