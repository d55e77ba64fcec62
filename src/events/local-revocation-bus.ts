import type { Revocation, RevocationBus, RevocationListener } from '../domain/ports.js';

/**
 * Revocations within one process: the embedded default, where there is no
 * other instance to tell. By the time `publish` resolves, every listener (the
 * caches above all) has dropped the session.
 */
export class LocalRevocationBus implements RevocationBus {
  private readonly listeners = new Set<RevocationListener>();

  async publish(revocation: Revocation): Promise<void> {
    await Promise.all([...this.listeners].map((listener) => listener(revocation, 'local')));
  }

  subscribe(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
