import { LRUCache } from 'lru-cache';
import type { Clock, SessionView } from '../domain/ports.js';

/**
 * The in-process tier: sessions by token hash, with indexes by session id
 * and by user kept in step through the LRU's dispose hook, so an eviction or
 * an invalidation leaves no entry reachable from any side. Memory matters
 * here (a million sessions must fit in well under a gigabyte): the view is
 * stored as it is, keyed by its own token-hash string; its age lives in the
 * LRU's typed arrays; a user with one session indexes it without a Set.
 */
export class SessionL1 {
  private readonly byHash: LRUCache<string, SessionView>;
  private readonly byId = new Map<string, string>();
  private readonly byUser = new Map<string, string | string[]>();

  constructor(
    maxEntries: number,
    private readonly ttlMs: number,
    clock: Clock,
  ) {
    this.byHash = new LRUCache<string, SessionView>({
      max: maxEntries,
      ttl: Math.max(ttlMs, 1),
      ttlResolution: 0,
      perf: { now: () => clock.now() },
      dispose: (view, key) => this.unindex(view, key),
    });
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The view if it was cached less than `maxAgeMs` ago (and within the TTL). */
  getByHash(tokenHash: string, maxAgeMs = this.ttlMs): SessionView | undefined {
    const view = this.byHash.get(tokenHash);
    if (view === undefined || maxAgeMs >= this.ttlMs) return view;
    return this.ttlMs - this.byHash.getRemainingTTL(tokenHash) <= maxAgeMs ? view : undefined;
  }

  getById(sessionId: string, maxAgeMs = this.ttlMs): SessionView | undefined {
    const key = this.byId.get(sessionId);
    return key === undefined ? undefined : this.getByHash(key, maxAgeMs);
  }

  set(view: SessionView): void {
    this.byHash.set(view.tokenHash, view);
    this.byId.set(view.id, view.tokenHash);
    const indexed = this.byUser.get(view.userId);
    if (indexed === undefined) this.byUser.set(view.userId, view.id);
    else if (typeof indexed === 'string') this.byUser.set(view.userId, indexed === view.id ? indexed : [indexed, view.id]);
    else if (!indexed.includes(view.id)) indexed.push(view.id);
  }

  /** Replaces a cached view (a touched one) without restarting its age. */
  replace(view: SessionView): void {
    if (this.byHash.has(view.tokenHash)) this.byHash.set(view.tokenHash, view, { noUpdateTTL: true, noDisposeOnSet: true });
  }

  deleteSession(sessionId: string): void {
    const key = this.byId.get(sessionId);
    if (key !== undefined) this.byHash.delete(key);
  }

  deleteUser(userId: string, exceptSessionId: string | null = null): void {
    const indexed = this.byUser.get(userId);
    const sessionIds = typeof indexed === 'string' ? [indexed] : [...(indexed ?? [])];
    for (const sessionId of sessionIds) {
      if (sessionId !== exceptSessionId) this.deleteSession(sessionId);
    }
  }

  clear(): void {
    this.byHash.clear();
  }

  private unindex(view: SessionView, key: string): void {
    if (this.byId.get(view.id) === key) this.byId.delete(view.id);
    const indexed = this.byUser.get(view.userId);
    if (indexed === view.id) this.byUser.delete(view.userId);
    else if (Array.isArray(indexed)) this.dropFromList(view.userId, indexed, view.id);
  }

  private dropFromList(userId: string, sessionIds: string[], sessionId: string): void {
    const rest = sessionIds.filter((id) => id !== sessionId);
    this.byUser.set(userId, rest.length === 1 ? rest[0]! : rest);
    if (rest.length === 0) this.byUser.delete(userId);
  }
}
