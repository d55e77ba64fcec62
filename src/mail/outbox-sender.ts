import type { Logger } from 'pino';
import type { OutboxStore } from '../domain/lifecycle-ports.js';
import { afterFailure, type ClaimedMail, type MailOutcome, type RetryPolicy } from '../domain/mail.js';
import type { Clock } from '../domain/ports.js';
import { DeliveryError, type MailTransport, type OutgoingMessage } from './transport.js';

/** A claimed row made ready to send, or null when there is nothing to send any more. */
export type ComposeMail = (mail: ClaimedMail) => Promise<(Omit<OutgoingMessage, 'id'> & { userId: string }) | null>;

export interface OutboxSenderOptions {
  readonly pollIntervalMs: number;
  readonly retry: RetryPolicy;
}

const BATCH = 10;
/**
 * How long a claimed row stays with its sender. Longer than the SMTP timeouts
 * add up to (transport.ts), so a slow send is given up before its row can be
 * claimed again elsewhere; a sender that died gives its rows back after it.
 */
export const LEASE_MS = 5 * 60_000;

/**
 * Sends what the outbox holds: every poll it claims due rows, sends each, and
 * records the outcome. A failure is retried with a doubling delay, then
 * recorded as failed. Delivery is at least once: only a crash between the
 * server accepting a message and the outcome being written sends it again,
 * with the same Message-ID. Logs carry the row id and kind, never an address.
 */
export class OutboxSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly compose: ComposeMail,
    private readonly transport: MailTransport,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: OutboxSenderOptions,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Sends every row due now; resolves when none is left (or the sender stops). */
  async drain(): Promise<void> {
    while (!this.stopped && (await this.sendBatch()) === BATCH);
  }

  /** Stops polling and waits for the batch in flight; unsent rows stay in the outbox for the next start. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.transport.close();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.drain()
        .catch((error: unknown) => this.logger.warn({ reason: reasonOf(error) }, 'mail outbox poll failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.pollIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async sendBatch(): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.outbox.claimMail(now, now + LEASE_MS, BATCH);
    for (const mail of claimed) await this.settle(mail, await this.attempt(mail));
    return claimed.length;
  }

  private async attempt(mail: ClaimedMail): Promise<MailOutcome> {
    try {
      const composed = await this.compose(mail);
      if (!composed) return { status: 'skipped', at: this.clock.now() };

      const where = await this.transport.send({ id: mail.id, ...composed });
      this.logger.info({ mailId: mail.id, kind: mail.kind, attempt: mail.attempts, where }, 'mail sent');
      return { status: 'sent', at: this.clock.now(), subject: composed.subject, userId: composed.userId };
    } catch (error) {
      const permanent = error instanceof DeliveryError && error.permanent;
      return afterFailure(mail.attempts, permanent, reasonOf(error), this.clock.now(), this.options.retry);
    }
  }

  private async settle(mail: ClaimedMail, outcome: MailOutcome): Promise<void> {
    try {
      await this.outbox.settleMail(mail.id, outcome);
    } catch (error) {
      // The lease runs out and the row is tried again: sent twice at worst, never lost.
      this.logger.error({ mailId: mail.id, outcome: outcome.status, reason: reasonOf(error) }, 'mail outcome not recorded');
      return;
    }
    const fields = { mailId: mail.id, kind: mail.kind, attempt: mail.attempts };
    if (outcome.status === 'retry') this.logger.warn({ ...fields, reason: outcome.error }, 'mail delivery failed; will retry');
    if (outcome.status === 'failed') this.logger.error({ ...fields, reason: outcome.error }, 'mail delivery failed for good');
  }
}

/** A short, address-free description of a failure: server texts and driver details may quote personal data. */
function reasonOf(error: unknown): string {
  if (error instanceof DeliveryError) return error.reason;
  const { code, name } = error as { code?: string; name?: string };
  return code ?? name ?? 'Error';
}
