import type { Revocation, RevocationBus, RevocationListener } from '../domain/ports.js';
import { deliverAll } from './deliver.js';

/**
 * Revocations within one process: the embedded default, where there is no
 * other instance to tell. By the time `publish` resolves, every listener (the
 * caches above all) has dropped the session.
 */
export class LocalRevocationBus implements RevocationBus {
  private readonly listeners = new Set<RevocationListener>();

  async publish(revocation: Revocation): Promise<void> {
    await deliverAll(this.listeners, revocation, 'local');
  }

  subscribe(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
