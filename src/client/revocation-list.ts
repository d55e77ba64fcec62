/**
 * What a verifier remembers of the revocation feed, and the verdict it gives
 * a verified token: `clear`, `revoked`, or `check` (ask the service once).
 *
 * Times are the service's, in epoch milliseconds; a token's `iat` is in whole
 * seconds, so a token issued at 12.9 s says 12. A token is revoked by a user
 * revocation only when it was surely issued before it, allowing `skewMs` for
 * clocks of different instances; one issued inside that window is `check`,
 * and once the service has said its session is live it is not asked again.
 *
 * Memory is bounded: every entry is forgotten once every token it can touch
 * has expired, and past `maxEntries` the list forgets everything and asks
 * the service once for each session with a token issued before that moment.
 */
export type Revocation =
  | { readonly kind: 'session'; readonly sessionId: string; readonly userId: string; readonly at: number }
  | { readonly kind: 'user'; readonly userId: string; readonly exceptSessionId: string | null; readonly at: number };

export type Standing = 'clear' | 'revoked' | 'check';

export interface TokenFacts {
  readonly sessionId: string;
  readonly userId: string;
  /** The token's `iat`, in seconds. */
  readonly issuedAt: number;
}

export interface RevocationListOptions {
  /** How long after `at` an entry can still matter: token lifetime plus clock tolerances. */
  readonly retentionMs: number;
  readonly skewMs: number;
  readonly maxEntries: number;
}

interface UserRevocation {
  readonly at: number;
  readonly exceptSessionId: string | null;
  readonly seq: number;
  readonly cleared: Set<string>;
}

export class RevocationList {
  private sessions = new Map<string, number>();
  private users = new Map<string, UserRevocation[]>();
  private userEntries = 0;
  private suspect = { before: Number.NEGATIVE_INFINITY, seq: 0, cleared: new Set<string>() };
  private seq = 0;
  private serverNow = 0;

  constructor(private options: RevocationListOptions) {}

  /** A sequence number to hand back to `confirmLive` after asking the service. */
  get position(): number {
    return this.seq;
  }

  setRetention(retentionMs: number): void {
    this.options = { ...this.options, retentionMs };
  }

  /** The service's clock, as the feed last told it. */
  observe(serverNow: number): void {
    this.serverNow = Math.max(this.serverNow, serverNow);
  }

  add(revocation: Revocation): void {
    this.seq++;
    this.observe(revocation.at);
    if (revocation.kind === 'session') this.sessions.set(revocation.sessionId, revocation.at);
    else this.addUserRevocation(revocation.userId, revocation.at, revocation.exceptSessionId);
    if (this.sessions.size + this.userEntries > this.options.maxEntries) this.forgetAll();
  }

  /** Tokens issued before `before` need one check each: revocations before it may have been missed. */
  markSuspect(before: number): void {
    this.seq++;
    this.suspect = { before, seq: this.seq, cleared: new Set() };
  }

  standing(token: TokenFacts): Standing {
    if (this.sessions.has(token.sessionId)) return 'revoked';

    const issuedFrom = token.issuedAt * 1000;
    let verdict: Standing = this.compare(issuedFrom, this.suspect.before, this.suspect.cleared.has(token.sessionId));
    if (verdict === 'revoked') verdict = 'check';
    for (const revocation of this.users.get(token.userId) ?? []) {
      if (revocation.exceptSessionId === token.sessionId) continue;
      const against = this.compare(issuedFrom, revocation.at, revocation.cleared.has(token.sessionId));
      if (against === 'revoked') return 'revoked';
      if (against === 'check') verdict = 'check';
    }
    return verdict;
  }

  /**
   * The service said this session was live, in a check begun at `position`:
   * revocations known by then did not end it, so they no longer make its tokens `check`.
   */
  confirmLive(token: TokenFacts, position: number): void {
    if (this.suspect.seq <= position) this.suspect.cleared.add(token.sessionId);
    for (const revocation of this.users.get(token.userId) ?? []) {
      if (revocation.seq <= position) revocation.cleared.add(token.sessionId);
    }
  }

  /** Forgets the entries no live token can be touched by any more. */
  prune(): void {
    const oldest = this.serverNow - this.options.retentionMs;
    for (const [sessionId, at] of this.sessions) if (at < oldest) this.sessions.delete(sessionId);
    for (const [userId, list] of this.users) {
      const kept = list.filter((revocation) => revocation.at >= oldest);
      this.userEntries -= list.length - kept.length;
      if (kept.length === 0) this.users.delete(userId);
      else this.users.set(userId, kept);
    }
  }

  get size(): number {
    return this.sessions.size + this.userEntries;
  }

  private compare(issuedFrom: number, at: number, cleared: boolean): Standing {
    const { skewMs } = this.options;
    if (issuedFrom > at + skewMs || cleared) return 'clear';
    return issuedFrom + 1000 <= at - skewMs ? 'revoked' : 'check';
  }

  private addUserRevocation(userId: string, at: number, exceptSessionId: string | null): void {
    const list = this.users.get(userId) ?? [];
    list.push({ at, exceptSessionId, seq: this.seq, cleared: new Set() });
    this.users.set(userId, list);
    this.userEntries++;
  }

  private forgetAll(): void {
    this.sessions.clear();
    this.users.clear();
    this.userEntries = 0;
    this.markSuspect(this.serverNow);
  }
}
