import type { Revocation, RevocationBus } from '../domain/ports.js';

/**
 * Revocations within one process: the embedded default, where there is no
 * other instance to tell. Listeners run synchronously, so by the time
 * `publish` resolves every local cache has dropped the session.
 */
export class LocalRevocationBus implements RevocationBus {
  private readonly listeners = new Set<(revocation: Revocation) => void>();

  async publish(revocation: Revocation): Promise<void> {
    for (const listener of this.listeners) listener(revocation);
  }

  subscribe(listener: (revocation: Revocation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
