import { cleanUserAgent, type AuditEvent, type AuditSink, type AuditStore } from '../domain/audit.js';

/**
 * Writes audit events off the request path without losing them: events
 * queue in memory and go to the store in one batch every `flushIntervalMs`,
 * when `batchMax` are waiting, and at shutdown. A failed batch is put back and
 * retried with the next; nothing is dropped. `recordNow` rejects when the
 * batch holding its event could not be written, so a request whose event
 * must be written fails (503) rather than answering success without its
 * record. Only a crash of the process loses what is queued: at most one
 * interval's worth of `record` events. The queue needs no cap of its own:
 * every request that records an event has read or written the same database
 * first, so while the database is away requests fail before they queue.
 */
export class AuditWriter implements AuditSink {
  private pending: AuditEvent[] = [];
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Pick<AuditStore, 'appendAuditEvents'>,
    private readonly batchMax: number,
    flushIntervalMs: number,
    private readonly onError: (error: unknown, queued: number) => void,
  ) {
    this.timer = setInterval(() => this.flushQuietly(), flushIntervalMs);
    this.timer.unref();
  }

  get queued(): number {
    return this.pending.length;
  }

  record(event: AuditEvent): void {
    this.pending.push(clean(event));
    if (this.pending.length >= this.batchMax) this.flushQuietly();
  }

  /** For events of rare, security-relevant changes: written before the caller answers. */
  async recordNow(event: AuditEvent): Promise<void> {
    this.pending.push(clean(event));
    await this.flush();
  }

  /** Writes everything queued so far; concurrent calls share the write in progress, then write the rest. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;

    this.flushing = this.writeBatch().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  // Failures are already reported through onError and the events stay queued.
  private flushQuietly(): void {
    this.flush().catch(() => undefined);
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      await this.store.appendAuditEvents(batch);
    } catch (error) {
      this.pending = batch.concat(this.pending);
      this.onError(error, this.pending.length);
      throw error;
    }
  }
}

function clean(event: AuditEvent): AuditEvent {
  return { ...event, userAgent: cleanUserAgent(event.userAgent) };
}
