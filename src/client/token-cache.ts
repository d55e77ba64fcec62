/**
 * A small, short-lived cache of answers about tokens. The key is the SHA-256
 * of the whole token (R38), so an answer can never be read back for another
 * token, and the token itself is not kept. Web Crypto only: it runs on edge
 * runtimes too.
 */
export class TokenCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(token: string): Promise<T | undefined> {
    if (this.ttlMs === 0) return undefined;
    const key = await tokenKey(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.now()) return entry.value;

    this.entries.delete(key);
    return undefined;
  }

  async set(token: string, value: T): Promise<void> {
    if (this.ttlMs === 0) return;
    const key = await tokenKey(token);
    if (this.entries.size >= this.maxEntries) this.evictOldest();
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  /** Drops every answer for which `stale` holds (all of them without a predicate). */
  clear(stale?: (value: T) => boolean): void {
    if (stale === undefined) return this.entries.clear();
    for (const [key, entry] of this.entries) if (stale(entry.value)) this.entries.delete(key);
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}

export async function tokenKey(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
