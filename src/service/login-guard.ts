import type { AttemptCounters } from '../domain/attempt-counters.js';
import type { AuditSink } from '../domain/audit.js';
import { TooManyAttempts } from '../domain/errors.js';
import type { KnownClient, KnownClientKind, KnownClientStore } from '../domain/guardian-ports.js';
import type { Clock } from '../domain/ports.js';
import { COUNTER_KINDS, judgeAttempt, retryAfterSeconds, type ProtectionPolicy, type Readings } from '../domain/protection.js';
import { deviceDigest, type CounterKeys } from './counter-keys.js';

/** Where an attempt came in: password login, the MFA step, the current-password check, step-up. */
export type Pathway = 'login' | 'mfa' | 'password' | 'step_up' | 'mfa_settings';

export interface AttemptSubject {
  readonly pathway: Pathway;
  /** Canonical email, whether or not an account has it. */
  readonly email: string;
  readonly userId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly deviceId: string | null;
}

export interface GuardDeps {
  readonly counters: AttemptCounters;
  readonly knownClients: KnownClientStore;
  readonly keys: CounterKeys;
  readonly policy: ProtectionPolicy;
  readonly knownClientTtlMs: number;
  readonly audit: AuditSink;
  readonly clock: Clock;
}

/**
 * One budget for every pathway that checks a secret (R13). `reserve` counts
 * the attempt before the secret is evaluated (increment-then-check, R12): the
 * atomic increments give each parallel attempt its own count, so no more are
 * evaluated than the policy allows. A refused attempt is given back (attempts
 * while throttled do not count); a failed one stays counted. A success clears
 * the pair's failures and gives back the address's; it clears the account's
 * only from a client the account did not know yet, because the owner logging
 * in from a known device says nothing about who made the failures that locked
 * the account to strangers, and must not hand those strangers a fresh budget.
 */
export class LoginGuard {
  constructor(private readonly deps: GuardDeps) {}

  async reserve(subject: AttemptSubject): Promise<Reservation> {
    const { counters, keys, policy, clock } = this.deps;
    const now = clock.now();
    const known = await this.findKnownClients(subject, now);
    // A device cookie names the pair only once the account knows it: fresh random
    // cookies must not buy an attacker fresh pair budgets.
    const client = { ip: subject.ip, deviceId: known.includes('device') ? subject.deviceId : null };
    const names = {
      pair: keys.pair(subject.email, client),
      account: keys.account(subject.email),
      address: keys.address(subject.ip),
    };
    const [pair, account, address] = await counters.hit(
      COUNTER_KINDS.map((kind) => ({ key: names[kind], windowMs: policy[kind].windowMs })),
      now,
    );
    const readings: Readings = { pair: pair!, account: account!, address: address! };

    const verdict = judgeAttempt(policy, readings, known.length > 0, now);
    if (!verdict.admitted) {
      await counters.refund(Object.values(names), now);
      this.auditRefusal(subject, verdict.by, now);
      throw new TooManyAttempts(retryAfterSeconds(verdict.retryAfterMs));
    }
    return new Reservation(this.deps, subject, names, readings, known);
  }

  /** Admin unlock: every counter of the account, from every client. */
  async unlock(canonicalEmail: string): Promise<void> {
    await this.deps.counters.clearPrefix(`${this.deps.keys.accountPrefix(canonicalEmail)}:`);
  }

  private async findKnownClients(subject: AttemptSubject, now: number): Promise<KnownClientKind[]> {
    const clients = knownClientsOf(subject);
    if (clients.length === 0) return [];
    // Unknown accounts are looked up too (under an id no account has), so both paths cost alike.
    const since = now - this.deps.knownClientTtlMs;
    return this.deps.knownClients.findKnownClients(subject.userId ?? '', clients, since);
  }

  private auditRefusal(subject: AttemptSubject, by: string, now: number): void {
    this.deps.audit.record({
      at: now,
      type: 'login.throttled',
      outcome: 'denied',
      reason: `${subject.pathway}:${by}`,
      actor: null,
      userId: subject.userId,
      sessionId: null,
      ip: subject.ip,
      userAgent: subject.userAgent,
    });
  }
}

export class Reservation {
  constructor(
    private readonly deps: GuardDeps,
    readonly subject: AttemptSubject,
    private readonly names: { pair: string; account: string; address: string },
    readonly readings: Readings,
    /** How the client has logged in to this account before: by its device cookie, its address, both or neither. */
    private readonly known: readonly KnownClientKind[],
  ) {}

  get knownClient(): boolean {
    return this.known.length > 0;
  }

  /** Failures on the account before this attempt: what a burst signal reads. */
  get priorAccountFailures(): number {
    return this.readings.account.count - 1;
  }

  async succeeded(): Promise<void> {
    const { counters, clock } = this.deps;
    const cleared = this.knownClient ? [this.names.pair] : [this.names.pair, this.names.account];
    await Promise.all([counters.clear(cleared), counters.refund([this.names.address], clock.now())]);
  }

  /**
   * Gives the attempt back without clearing anything: a right password of an
   * account with TOTP is only half a login, and must not wipe out the wrong
   * codes counted before it (R27).
   */
  async release(): Promise<void> {
    await this.deps.counters.refund(Object.values(this.names), this.deps.clock.now());
  }

  /**
   * Remembers this client (its address, and the device cookie it keeps) as
   * known to the account. A client already known both ways costs no write:
   * it stays known for the TTL from the login that made it known.
   */
  async rememberClient(userId: string, deviceId: string): Promise<void> {
    const sameDevice = deviceId === this.subject.deviceId;
    if (sameDevice && this.known.includes('device') && this.known.includes('address')) return;

    const clients = knownClientsOf({ ip: this.subject.ip, deviceId });
    await this.deps.knownClients.rememberClients(userId, clients, this.deps.clock.now());
  }
}

function knownClientsOf(subject: { ip: string | null; deviceId: string | null }): KnownClient[] {
  const clients: KnownClient[] = [];
  if (subject.deviceId) clients.push({ kind: 'device', value: deviceDigest(subject.deviceId) });
  if (subject.ip) clients.push({ kind: 'address', value: subject.ip });
  return clients;
}
