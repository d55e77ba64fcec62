import type { AttemptCounters } from '../domain/attempt-counters.js';
import type { AuditStore } from '../domain/audit.js';
import type { MfaStore } from '../domain/guardian-ports.js';
import type { Clock } from '../domain/ports.js';

export interface RetentionDeps {
  readonly audit: Pick<AuditStore, 'purgeAuditEventsBefore'>;
  readonly counters: Pick<AttemptCounters, 'purgeExpired'>;
  readonly mfa: Pick<MfaStore, 'purgeMfaChallenges'>;
  readonly clock: Clock;
  readonly auditRetentionMs: number;
}

export interface Purged {
  readonly auditEvents: number;
  readonly counters: number;
  readonly challenges: number;
}

/**
 * The only deletes of audit events, and the clean-up of ended counters and
 * challenges. Each is one idempotent DELETE of rows past a cutoff, so the
 * instances of a deployment may all run it on their own schedule: two runs
 * at once delete each row once between them.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RetentionDeps) {}

  start(intervalMs: number, onDone: (result: Purged) => void, onError: (error: unknown) => void): void {
    this.timer = setInterval(() => this.runOnce().then(onDone, onError), intervalMs);
    this.timer.unref();
  }

  async runOnce(): Promise<Purged> {
    const now = this.deps.clock.now();
    return {
      auditEvents: await this.deps.audit.purgeAuditEventsBefore(now - this.deps.auditRetentionMs),
      counters: await this.deps.counters.purgeExpired(now),
      challenges: await this.deps.mfa.purgeMfaChallenges(now),
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
