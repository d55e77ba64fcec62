import type { Clock, Revocation, RevocationBus } from '../domain/ports.js';

/** What verifiers hear: ended sessions. A changed profile only concerns the service's own caches. */
export type FeedRevocation = Exclude<Revocation, { kind: 'user_changed' }>;

/**
 * The recent revocations this instance heard, kept so that a verifier that
 * (re)connects to the revocation feed can be sent what it missed.
 *
 * Each entry gets a cursor: this instance's clock when it arrived, never
 * decreasing. A verifier remembers the last cursor it saw (heartbeats carry
 * one too) and asks for everything from a little before it. Keeping one
 * access-token lifetime of entries is always enough: a token issued before
 * that has expired, and a revocation older than that can only touch such
 * tokens. The log says when it cannot vouch for a range (the instance started
 * later, or the entry cap pushed entries out): the verifier then checks once
 * with the service every session whose tokens predate the reconnection.
 */
export interface LoggedRevocation {
  readonly cursor: number;
  readonly revocation: FeedRevocation;
}

export interface Replay {
  /** True when every revocation from the asked cursor on is in `entries`. */
  readonly complete: boolean;
  readonly entries: readonly LoggedRevocation[];
}

export interface RevocationLogOptions {
  readonly retentionMs: number;
  readonly maxEntries: number;
}

export class RevocationLog {
  private entries: LoggedRevocation[] = [];
  private lastCursor = 0;
  /** Every revocation with a cursor at or after this one is still held. */
  private completeSince: number;
  private readonly listeners = new Set<(entry: LoggedRevocation) => void>();
  private readonly unsubscribe: () => void;

  constructor(
    bus: RevocationBus,
    private readonly clock: Clock,
    private readonly options: RevocationLogOptions,
  ) {
    this.completeSince = clock.now();
    this.unsubscribe = bus.subscribe((revocation) => {
      if (revocation.kind !== 'user_changed') this.append(revocation);
    });
  }

  /** The cursor a heartbeat carries: everything before it has been handed to the listeners. */
  now(): number {
    return Math.max(this.clock.now(), this.lastCursor);
  }

  since(cursor: number): Replay {
    this.prune();
    const first = this.firstIndexAtOrAfter(cursor);
    return { complete: cursor >= this.completeSince, entries: this.entries.slice(first) };
  }

  /** Calls `listener` with every revocation from now on; returns the function that stops it. */
  listen(listener: (entry: LoggedRevocation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private append(revocation: FeedRevocation): void {
    const entry = { cursor: this.now(), revocation };
    this.lastCursor = entry.cursor;
    this.entries.push(entry);
    this.prune();
    for (const listener of this.listeners) listener(entry);
  }

  private prune(): void {
    const oldestKept = this.clock.now() - this.options.retentionMs;
    let drop = 0;
    while (drop < this.entries.length && this.entries[drop]!.cursor < oldestKept) drop++;
    drop = Math.max(drop, this.entries.length - this.options.maxEntries);
    if (drop === 0) return;

    this.completeSince = Math.max(this.completeSince, this.entries[drop - 1]!.cursor + 1);
    this.entries.splice(0, drop);
  }

  private firstIndexAtOrAfter(cursor: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle]!.cursor < cursor) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
