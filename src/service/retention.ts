import type { Logger } from 'pino';
import type { AccountDataStore, PurgeCutoffs, PurgeTarget } from '../domain/lifecycle-ports.js';
import type { Clock } from '../domain/ports.js';

/** Another store's purge (the Guardian branch's audit events): deletes what is past its time, answers how many. */
export interface Purger {
  readonly name: string;
  purge(now: number): Promise<number>;
}

export interface RetentionPolicy {
  readonly intervalMs: number;
  readonly mailMs: number;
  readonly devicesMs: number;
  /** The session idle timeout: a session unseen this long is dead already. */
  readonly idleTimeoutMs: number;
}

const TARGETS: readonly PurgeTarget[] = ['sessions', 'link_tokens', 'mail', 'devices'];
const BATCH = 500;
// Last-seen times reach the database in batches (TouchWriter); a session is
// kept this much past its idle timeout so that a touch still in flight wins.
const TOUCH_GRACE_MS = 60_000;

/**
 * Deletes what nobody may use or needs any more, on a schedule: expired and
 * idle sessions, used and expired link tokens, mail past its retention,
 * devices unseen for long. Deletes run in bounded batches, each its own
 * statement, so any number of instances may run this at once: they share
 * the work (PostgreSQL skips rows another batch holds), and deleting what is
 * gone already is a no-op.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly store: Pick<AccountDataStore, 'purgeBatch'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly policy: RetentionPolicy,
    private readonly purgers: readonly Purger[] = [],
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.run()
        .catch(() => this.logger.warn('retention purge failed; will run again'))
        .finally(() => (this.running = undefined));
    }, this.policy.intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every kind of data; answers how many rows each lost. */
  async run(): Promise<Record<string, number>> {
    const cutoffs = this.cutoffs(this.clock.now());
    const deleted: Record<string, number> = {};
    for (const target of TARGETS) deleted[target] = await this.purge(target, cutoffs);
    for (const purger of this.purgers) deleted[purger.name] = await purger.purge(cutoffs.now);
    this.logger.info({ deleted }, 'retention purge done');
    return deleted;
  }

  private async purge(target: PurgeTarget, cutoffs: PurgeCutoffs): Promise<number> {
    let total = 0;
    let deleted: number;
    do {
      deleted = await this.store.purgeBatch(target, cutoffs, BATCH);
      total += deleted;
    } while (deleted === BATCH);
    return total;
  }

  private cutoffs(now: number): PurgeCutoffs {
    const { idleTimeoutMs, mailMs, devicesMs } = this.policy;
    return { now, idleBefore: now - idleTimeoutMs - TOUCH_GRACE_MS, mailBefore: now - mailMs, devicesBefore: now - devicesMs };
  }
}
