import { createHash, randomBytes } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.js';
import type { AuditEvent, AuditSink, AuditType } from '../domain/audit.js';
import { decodeBase32, encodeBase32 } from '../domain/base32.js';
import { InvalidMfaCode, MfaAlreadyEnrolled, MfaNotEnrolled } from '../domain/errors.js';
import type { MfaStore, TotpEnrolment } from '../domain/guardian-ports.js';
import type { Clock } from '../domain/ports.js';
import { createRecoveryCodes, hashRecoveryCode } from '../domain/recovery-codes.js';
import { createTotpSecret, matchTotp, TOTP_DIGITS, TOTP_STEP_MS } from '../domain/totp.js';
import type { PublicUser } from '../domain/users.js';
import type { ClientContext } from './auth-service.js';
import type { LoginGuard, Pathway, Reservation } from './login-guard.js';

/** A second factor as sent: a TOTP code or one of the recovery codes. */
export type SecondFactor = { readonly code: string } | { readonly recoveryCode: string };

export interface MfaDeps {
  readonly store: MfaStore;
  readonly box: SecretBox;
  readonly guard: LoginGuard;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly issuer: string;
  readonly challengeTtlMs: number;
}

const CHALLENGE_PREFIX = 'astc_';

/**
 * TOTP enrolment, verification and login challenges. Secrets are sealed at
 * rest under ASTRAL_SECRET_KEY with the user id as context, so a sealed
 * secret copied to another user's row does not open. Every code check goes
 * through the login guard's budget (R13, R27), and a code counts once: its
 * time step must move the user's last used step forward by compare-and-set
 * (R26), so a replay or a parallel second use fails.
 */
export class MfaService {
  constructor(private readonly deps: MfaDeps) {}

  async isEnrolled(userId: string): Promise<boolean> {
    return (await this.deps.store.findTotp(userId))?.confirmed === true;
  }

  async enroll(user: PublicUser, context: ClientContext): Promise<{ secret: string; otpauthUrl: string }> {
    const secret = encodeBase32(createTotpSecret());
    const sealed = this.deps.box.seal(secret, sealContext(user.id));
    if (!(await this.deps.store.savePendingTotp(user.id, sealed, this.deps.clock.now()))) throw new MfaAlreadyEnrolled();

    await this.deps.audit.recordNow(this.event('mfa.enroll', 'success', null, user.id, context));
    return { secret, otpauthUrl: this.otpauthUrl(user.email, secret) };
  }

  /** The enrolment code is a code like any other: it uses up its step (R26). */
  async confirm(user: PublicUser, code: string, context: ClientContext): Promise<string[]> {
    const enrolment = await this.deps.store.findTotp(user.id);
    if (!enrolment) throw new MfaNotEnrolled();
    if (enrolment.confirmed) throw new MfaAlreadyEnrolled();

    await this.checkWithBudget(user, enrolment, { code }, 'mfa_settings', context);
    const codes = createRecoveryCodes();
    await this.deps.store.confirmTotp(user.id, codes.map(hashRecoveryCode), this.deps.clock.now());
    await this.deps.audit.recordNow(this.event('mfa.confirm', 'success', null, user.id, context));
    return codes;
  }

  async disable(user: PublicUser, code: string, context: ClientContext): Promise<void> {
    await this.verify(user, { code }, 'mfa_settings', context);
    await this.deps.store.deleteTotp(user.id);
    await this.deps.audit.recordNow(this.event('mfa.disable', 'success', null, user.id, context));
  }

  /** Checks a second factor of an enrolled user against the shared budget. */
  async verify(user: PublicUser, factor: SecondFactor, pathway: Pathway, context: ClientContext): Promise<Reservation> {
    const enrolment = await this.deps.store.findTotp(user.id);
    if (!enrolment?.confirmed) throw new MfaNotEnrolled();
    return this.checkWithBudget(user, enrolment, factor, pathway, context);
  }

  /** A short-lived, single-use challenge for the second step of a login; only its hash is stored (R28). */
  async startChallenge(userId: string): Promise<string> {
    const challenge = CHALLENGE_PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = this.deps.clock.now() + this.deps.challengeTtlMs;
    await this.deps.store.createMfaChallenge(hashChallenge(challenge), { userId, expiresAt });
    return challenge;
  }

  async challengedUser(challenge: string): Promise<string> {
    const found = await this.deps.store.findMfaChallenge(hashChallenge(challenge), this.deps.clock.now());
    if (!found) throw new InvalidMfaCode();
    return found.userId;
  }

  /** Exactly one caller consumes a challenge (R39). */
  async consumeChallenge(challenge: string): Promise<void> {
    if (!(await this.deps.store.consumeMfaChallenge(hashChallenge(challenge), this.deps.clock.now()))) {
      throw new InvalidMfaCode();
    }
  }

  private async checkWithBudget(
    user: PublicUser,
    enrolment: TotpEnrolment,
    factor: SecondFactor,
    pathway: Pathway,
    context: ClientContext,
  ): Promise<Reservation> {
    const reservation = await this.deps.guard.reserve({ pathway, email: user.email, userId: user.id, ...context });
    const method = await this.consume(user.id, enrolment, factor);
    if (!method) {
      this.deps.audit.record(this.event('mfa.verify', 'failure', `${pathway}:invalid_code`, user.id, context));
      throw new InvalidMfaCode();
    }
    await reservation.succeeded();
    const type: AuditType = method === 'recovery_code' ? 'mfa.recovery_code' : 'mfa.verify';
    this.deps.audit.record(this.event(type, 'success', pathway, user.id, context));
    return reservation;
  }

  private async consume(userId: string, enrolment: TotpEnrolment, factor: SecondFactor): Promise<'totp' | 'recovery_code' | null> {
    const now = this.deps.clock.now();
    if ('recoveryCode' in factor) {
      const used = await this.deps.store.consumeRecoveryCode(userId, hashRecoveryCode(factor.recoveryCode), now);
      return used ? 'recovery_code' : null;
    }
    const secret = decodeBase32(this.deps.box.open(enrolment.secretSealed, sealContext(userId)));
    const step = matchTotp(secret, factor.code, now, enrolment.lastUsedStep);
    if (step === undefined) return null;
    return (await this.deps.store.consumeTotpStep(userId, step)) ? 'totp' : null;
  }

  private otpauthUrl(email: string, secret: string): string {
    const issuer = this.deps.issuer;
    const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(email)}`;
    const params = new URLSearchParams({
      secret,
      issuer,
      algorithm: 'SHA1',
      digits: String(TOTP_DIGITS),
      period: String(TOTP_STEP_MS / 1000),
    });
    return `otpauth://totp/${label}?${params.toString()}`;
  }

  private event(type: AuditType, outcome: AuditEvent['outcome'], reason: string | null, userId: string, context: ClientContext): AuditEvent {
    const { ip, userAgent } = context;
    return { at: this.deps.clock.now(), type, outcome, reason, actor: `user:${userId}`, userId, sessionId: null, ip, userAgent };
  }
}

function sealContext(userId: string): string {
  return `totp-secret:${userId}`;
}

function hashChallenge(challenge: string): Buffer {
  return createHash('sha256').update(challenge).digest();
}
