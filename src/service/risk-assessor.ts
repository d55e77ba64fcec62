import { LRUCache } from 'lru-cache';
import type { AuditSink } from '../domain/audit.js';
import { InvalidSession, StepUpRequired } from '../domain/errors.js';
import type { SessionControlStore } from '../domain/guardian-ports.js';
import type { Clock, RevocationBus, SessionStore, SessionView } from '../domain/ports.js';
import {
  contextChange,
  loginAction,
  networkOf,
  strictestAction,
  userAgentFamily,
  type ClientSnapshot,
  type RiskAction,
  type RiskPolicy,
  type RiskSignal,
} from '../domain/risk.js';

export interface RiskDeps {
  readonly policy: RiskPolicy;
  readonly burstThreshold: number;
  readonly shortLifetimeMs: number;
  readonly sessions: SessionControlStore & Pick<SessionStore, 'deleteSession'>;
  readonly hasTotp: (userId: string) => Promise<boolean>;
  readonly revocations: RevocationBus;
  readonly audit: AuditSink;
  readonly clock: Clock;
}

export interface LoginSignals {
  readonly knownClient: boolean;
  readonly priorFailures: number;
  readonly passedTotp: boolean;
}

// One record per session and changed context per instance: a session used
// from a new network would otherwise write an event on every request.
const SEEN_MAX = 10_000;

/**
 * Applies the risk policy. At login: a client the account does not know
 * (`new_device`) and a login after a burst of failures (`failure_burst`). On
 * each use of a session: a changed context. The hot path is two string
 * comparisons against what the session view already holds; the store is
 * only touched when a signal is raised.
 */
export class RiskAssessor {
  private readonly seen = new LRUCache<string, true>({ max: SEEN_MAX });
  private readonly settled = new WeakMap<SessionView, ClientSnapshot>();

  constructor(private readonly deps: RiskDeps) {}

  /** The action for a login that has passed its checks; `deny` is audited here. */
  assessLogin(userId: string, signals: LoginSignals, context: ClientSnapshot): RiskAction {
    const raised: RiskSignal[] = [];
    if (!signals.knownClient) raised.push('new_device');
    if (signals.priorFailures >= this.deps.burstThreshold) raised.push('failure_burst');
    const action = loginAction(strictestAction(this.deps.policy, raised), signals.passedTotp);
    if (action !== 'allow') this.recordRisk(userId, null, `${raised.join('+')}:${action}`, context);
    return action;
  }

  shortenedExpiry(expiresAt: number): number {
    return Math.min(expiresAt, this.deps.clock.now() + this.deps.shortLifetimeMs);
  }

  /** Throws when the session may not be used from `context`; returns it otherwise. */
  async checkUse(view: SessionView, context: ClientSnapshot | undefined, allowPendingStepUp: boolean): Promise<SessionView> {
    if (view.stepUpRequired && !allowPendingStepUp) throw new StepUpRequired();
    if (!context || sameClient(view, context) || sameClient(this.settled.get(view), context)) return view;

    const change = contextChange(view, context);
    const action = change ? this.deps.policy.context_change : 'allow';
    if (action === 'allow' || this.alreadyHandled(view, change!, context, action)) {
      this.settle(view, context, action);
      return view;
    }
    this.recordRisk(view.userId, view.id, `context_change:${change}:${action}`, context);
    await this.apply(action, view, allowPendingStepUp);
    this.settle(view, context, action);
    return view;
  }

  /**
   * A cached view used again and again from the same other client (a
   * recorded change, or one within the same network and browser family)
   * costs two comparisons from then on, like its own client. Step-up and
   * deny are never settled: the session's state carries them.
   */
  private settle(view: SessionView, context: ClientSnapshot, action: RiskAction): void {
    if (action === 'allow' || action === 'record') this.settled.set(view, { ip: context.ip, userAgent: context.userAgent });
  }

  private async apply(action: RiskAction, view: SessionView, allowPendingStepUp: boolean): Promise<void> {
    const { sessions, revocations, clock } = this.deps;
    const at = clock.now();
    if (action === 'deny') {
      await sessions.deleteSession(view.id);
      await revocations.publish({ kind: 'session', sessionId: view.id, userId: view.userId, at });
      throw new InvalidSession();
    }
    if (action === 'step_up' && (await this.deps.hasTotp(view.userId))) {
      await sessions.requireStepUp(view.id);
      await revocations.publish({ kind: 'user_changed', userId: view.userId, at });
      if (!allowPendingStepUp) throw new StepUpRequired();
      return;
    }
    if (action === 'step_up' || action === 'shorten') {
      await sessions.shortenSession(view.id, this.shortenedExpiry(view.expiresAt));
      await revocations.publish({ kind: 'user_changed', userId: view.userId, at });
    }
  }

  // Step-up and deny are never deduplicated: the session's own state carries them.
  private alreadyHandled(view: SessionView, change: string, context: ClientSnapshot, action: RiskAction): boolean {
    if (action === 'deny' || action === 'step_up') return false;
    const key = `${view.id}|${change}|${context.ip ? networkOf(context.ip) : ''}|${userAgentFamily(context.userAgent)}`;
    if (this.seen.has(key)) return true;
    this.seen.set(key, true);
    return false;
  }

  private recordRisk(userId: string, sessionId: string | null, reason: string, context: ClientSnapshot): void {
    this.deps.audit.record({
      at: this.deps.clock.now(),
      type: 'risk',
      outcome: 'info',
      reason,
      actor: null,
      userId,
      sessionId,
      ip: context.ip,
      userAgent: context.userAgent,
    });
  }
}

function sameClient(known: ClientSnapshot | undefined, context: ClientSnapshot): boolean {
  return known !== undefined && known.ip === context.ip && known.userAgent === context.userAgent;
}
