import type { SessionStore, SessionTouch } from '../domain/ports.js';

/**
 * Writes sessions' "last seen" times off the request path: touches collect in
 * a map (one entry per session, so its size is bounded by the live sessions
 * touched within one interval, and capped by `maxPending`) and are written in
 * one batch every `flushIntervalMs`, when the cap is reached, and at shutdown.
 * A failed batch is kept and retried with the next one; nothing is dropped.
 */
export class TouchWriter {
  private pending = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Pick<SessionStore, 'touchSessions'>,
    private readonly maxPending: number,
    flushIntervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  touch(sessionId: string, lastSeenAt: number): void {
    this.pending.set(sessionId, lastSeenAt);
    if (this.pending.size >= this.maxPending) void this.flush();
  }

  /** Writes what is pending; concurrent calls share one write. */
  flush(): Promise<void> {
    this.flushing ??= this.writeBatch().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  private async writeBatch(): Promise<void> {
    if (this.pending.size === 0) return;

    const batch = this.pending;
    this.pending = new Map();
    const touches: SessionTouch[] = [...batch].map(([id, lastSeenAt]) => ({ id, lastSeenAt }));
    try {
      await this.store.touchSessions(touches);
    } catch (error) {
      this.requeue(batch);
      this.onError(error);
    }
  }

  private requeue(batch: Map<string, number>): void {
    for (const [id, at] of batch) {
      if (!this.pending.has(id)) this.pending.set(id, at);
    }
  }
}
