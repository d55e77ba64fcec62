import { randomBytes } from 'node:crypto';
import type { AuditEvent, AuditSink, AuditType } from '../domain/audit.js';
import { MfaRequired } from '../domain/errors.js';
import type { SessionControlStore } from '../domain/guardian-ports.js';
import type { Clock, NewSession, RevocationBus, SessionView } from '../domain/ports.js';
import type { LoginRecord } from '../domain/users.js';
import type { ClientContext } from './auth-service.js';
import type { LoginGuard, Pathway } from './login-guard.js';
import type { MfaService } from './mfa-service.js';
import type { RiskAssessor } from './risk-assessor.js';

export interface GuardianDeps {
  readonly guard: LoginGuard;
  readonly mfa: MfaService;
  readonly risk: RiskAssessor;
  readonly audit: AuditSink;
  readonly sessions: SessionControlStore;
  readonly revocations: RevocationBus;
  readonly clock: Clock;
  readonly maxSessionsPerUser: number;
}

const DEVICE_PREFIX = 'astd_';
const DEVICE_SHAPE = /^astd_[A-Za-z0-9_-]{43}$/;

/**
 * A device cookie: 256 random bits that a browser keeps across logins. After
 * a successful login its hash is remembered for the account, which then
 * treats the browser as known: exempt from the account-wide lock. It
 * authenticates nothing else, and a value the account does not know buys
 * nothing (it does not even name a throttling pair of its own).
 */
export function createDeviceId(): string {
  return DEVICE_PREFIX + randomBytes(32).toString('base64url');
}

export function isDeviceIdShaped(candidate: string | undefined): candidate is string {
  return candidate !== undefined && DEVICE_SHAPE.test(candidate);
}

/**
 * The parts of Guardian the auth use cases call into: the attempt budget,
 * MFA, risk, the session cap and the audit records of each step.
 */
export class Guardian {
  readonly guard: LoginGuard;
  readonly mfa: MfaService;
  readonly risk: RiskAssessor;

  constructor(private readonly deps: GuardianDeps) {
    this.guard = deps.guard;
    this.mfa = deps.mfa;
    this.risk = deps.risk;
  }

  /** Inserts the session within the user's cap; sessions pushed out are revoked everywhere. */
  /** False when the password the login verified was changed meanwhile: no session then. */
  async createSession(session: NewSession): Promise<boolean> {
    const evicted = await this.deps.sessions.createCappedSession(session, this.deps.maxSessionsPerUser);
    if (evicted === undefined) return false;
    for (const sessionId of evicted) {
      await this.deps.revocations.publish({ kind: 'session', sessionId, userId: session.userId, at: this.deps.clock.now() });
      this.deps.audit.record(this.event('session.evicted', 'info', 'session_cap', session.userId, sessionId, session));
    }
    return true;
  }

  /** A TOTP code clears a risk step-up and binds the session to the client that gave it. */
  async confirmStepUp(view: SessionView, code: string, context: ClientContext): Promise<void> {
    await this.mfa.verify(view.user, { code }, 'step_up', context);
    await this.deps.sessions.confirmStepUp(view.id, context.ip, context.userAgent);
    await this.deps.revocations.publish({ kind: 'user_changed', userId: view.userId, at: this.deps.clock.now() });
    this.recordSessionEvent('session.step_up', view, context);
  }

  async challenge(userId: string, context: ClientContext): Promise<MfaRequired> {
    const challenge = await this.mfa.startChallenge(userId);
    this.deps.audit.record(this.event('mfa.challenge', 'info', null, userId, null, context));
    return new MfaRequired(challenge);
  }

  /** The reason tells the trail what the client is never told. */
  recordLoginFailure(record: LoginRecord | undefined, verified: boolean, context: ClientContext, pathway: Pathway = 'login', why?: string): void {
    const reason = why ?? failureReason(record, verified);
    this.deps.audit.record(this.event('login', 'failure', `${pathway}:${reason}`, record?.user.id ?? null, null, context));
  }

  recordLogin(userId: string, sessionId: string, context: ClientContext, passedTotp: boolean): void {
    this.deps.audit.record(this.event('login', 'success', passedTotp ? 'password+totp' : 'password', userId, sessionId, context));
  }

  recordRegister(userId: string, context: ClientContext | undefined): void {
    this.deps.audit.record(this.event('register', 'success', null, userId, null, context));
  }

  recordSessionEvent(type: AuditType, view: SessionView, context?: ClientContext, reason: string | null = null): void {
    this.deps.audit.record(this.event(type, 'success', reason, view.userId, view.id, context));
  }

  recordSessionEventNow(type: AuditType, view: SessionView, context?: ClientContext): Promise<void> {
    return this.deps.audit.recordNow(this.event(type, 'success', null, view.userId, view.id, context));
  }

  private event(
    type: AuditType,
    outcome: AuditEvent['outcome'],
    reason: string | null,
    userId: string | null,
    sessionId: string | null,
    context: { ip: string | null; userAgent: string | null } | undefined,
  ): AuditEvent {
    const actor = userId && outcome === 'success' ? `user:${userId}` : null;
    const { ip = null, userAgent = null } = context ?? {};
    return { at: this.deps.clock.now(), type, outcome, reason, actor, userId, sessionId, ip, userAgent };
  }
}

function failureReason(record: LoginRecord | undefined, verified: boolean): string {
  if (!record) return 'unknown_account';
  if (!record.hashedPassword) return 'no_password';
  if (!verified) return 'invalid_password';
  return 'disabled';
}
