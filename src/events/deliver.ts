import type { Revocation, RevocationListener, RevocationOrigin } from '../domain/ports.js';

/**
 * Hands a revocation to every listener and waits for all of them. The store
 * has already forgotten the session when this runs, so a listener that fails
 * must not turn the revoking request into an error: each failure is passed to
 * `onError` (the service logs it) and the others still run.
 */
export async function deliverAll(
  listeners: Iterable<RevocationListener>,
  revocation: Revocation,
  origin: RevocationOrigin,
  onError: (error: unknown) => void = () => undefined,
): Promise<void> {
  const deliveries = [...listeners].map(async (listener) => listener(revocation, origin));
  for (const outcome of await Promise.allSettled(deliveries)) {
    if (outcome.status === 'rejected') onError(outcome.reason);
  }
}
