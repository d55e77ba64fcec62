import { LRUCache } from 'lru-cache';
import type { SessionView } from '../domain/ports.js';

/**
 * The in-process tier: sessions by token hash, with indexes by session id and
 * by user kept in step through the LRU's dispose hook, so an eviction or an
 * invalidation leaves no entry reachable from any side.
 */
export interface L1Entry {
  view: SessionView;
  readonly cachedAt: number;
}

export class SessionL1 {
  private readonly byHash: LRUCache<string, L1Entry>;
  private readonly byId = new Map<string, string>();
  private readonly byUser = new Map<string, Set<string>>();

  constructor(maxEntries: number) {
    this.byHash = new LRUCache<string, L1Entry>({
      max: maxEntries,
      dispose: (entry, key) => this.unindex(entry.view, key),
    });
  }

  get size(): number {
    return this.byHash.size;
  }

  getByHash(key: string): L1Entry | undefined {
    return this.byHash.get(key);
  }

  getById(sessionId: string): L1Entry | undefined {
    const key = this.byId.get(sessionId);
    return key === undefined ? undefined : this.byHash.get(key);
  }

  set(view: SessionView, cachedAt: number): void {
    const key = hashKey(view.tokenHash);
    this.byHash.set(key, { view, cachedAt });
    this.byId.set(view.id, key);
    let sessions = this.byUser.get(view.userId);
    if (!sessions) this.byUser.set(view.userId, (sessions = new Set()));
    sessions.add(view.id);
  }

  deleteSession(sessionId: string): void {
    const key = this.byId.get(sessionId);
    if (key !== undefined) this.byHash.delete(key);
  }

  deleteUser(userId: string, exceptSessionId: string | null = null): void {
    for (const sessionId of [...(this.byUser.get(userId) ?? [])]) {
      if (sessionId !== exceptSessionId) this.deleteSession(sessionId);
    }
  }

  clear(): void {
    this.byHash.clear();
  }

  private unindex(view: SessionView, key: string): void {
    if (this.byId.get(view.id) === key) this.byId.delete(view.id);
    const sessions = this.byUser.get(view.userId);
    sessions?.delete(view.id);
    if (sessions?.size === 0) this.byUser.delete(view.userId);
  }
}

/** Buffer keys compare by identity; the base64 text of the hash compares by value. */
export function hashKey(tokenHash: Buffer): string {
  return tokenHash.toString('base64');
}
