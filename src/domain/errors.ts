/**
 * Expected failures of the domain, each with a stable code. The HTTP layer maps
 * codes to statuses (src/http/error-codes.ts); nothing here knows about HTTP.
 */
export type DomainErrorCode =
  | 'invalid_request'
  | 'weak_password'
  | 'email_taken'
  | 'invalid_credentials'
  | 'invalid_session'
  | 'overloaded'
  | 'unavailable'
  | 'too_many_attempts'
  | 'mfa_required'
  | 'invalid_mfa_code'
  | 'mfa_not_enrolled'
  | 'mfa_already_enrolled'
  | 'step_up_required'
  | 'forbidden'
  | 'not_found'
  | 'invalid_token'
  | 'invalid_redirect'
  | 'email_not_verified';

export class DomainError extends Error {
  readonly code: DomainErrorCode;

  constructor(code: DomainErrorCode, message: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
  }
}

export class InvalidRequest extends DomainError {
  constructor(message: string) {
    super('invalid_request', message);
  }
}

export class WeakPassword extends DomainError {
  readonly reasons: readonly string[];

  constructor(reasons: readonly string[]) {
    super('weak_password', `password refused: ${reasons.join(', ')}`);
    this.reasons = reasons;
  }
}

export class EmailTaken extends DomainError {
  constructor() {
    super('email_taken', 'an account with this email already exists');
  }
}

/** One answer for unknown email, wrong password, disabled account: nothing to tell apart. */
export class InvalidCredentials extends DomainError {
  constructor() {
    super('invalid_credentials', 'email or password is incorrect');
  }
}

export class InvalidSession extends DomainError {
  constructor() {
    super('invalid_session', 'the session is missing, expired or revoked');
  }
}

/** The password hashing queue is full; the caller should retry after `retryAfterSeconds`. */
export class Overloaded extends DomainError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('overloaded', 'the service is busy; retry shortly');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A backing store did not answer in time. */
export class Unavailable extends DomainError {
  constructor() {
    super('unavailable', 'a backing service is unavailable; retry shortly');
  }
}

/**
 * A login-type attempt was refused before any password or code was evaluated.
 * Given alike for existing and unknown accounts, so it tells nothing apart.
 */
export class TooManyAttempts extends DomainError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('too_many_attempts', 'too many attempts; retry after the Retry-After header');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The password was right and the account has TOTP: the login goes on with `challenge`. */
export class MfaRequired extends DomainError {
  readonly challenge: string;

  constructor(challenge: string) {
    super('mfa_required', 'a second factor is required; send the code with the challenge to /v1/login/mfa');
    this.challenge = challenge;
  }
}

/** A wrong, replayed or expired TOTP code, recovery code or challenge: one answer for all of them. */
export class InvalidMfaCode extends DomainError {
  constructor() {
    super('invalid_mfa_code', 'the code or the challenge is wrong, used or expired');
  }
}

export class MfaNotEnrolled extends DomainError {
  constructor() {
    super('mfa_not_enrolled', 'no TOTP enrolment is pending or active for this account');
  }
}

export class MfaAlreadyEnrolled extends DomainError {
  constructor() {
    super('mfa_already_enrolled', 'TOTP is already active for this account; disable it first');
  }
}

/** The session was used from a changed context and must be confirmed with a TOTP code. */
export class StepUpRequired extends DomainError {
  constructor() {
    super('step_up_required', 'confirm this session with a TOTP code at /v1/session/step-up');
  }
}

export class Forbidden extends DomainError {
  constructor(message = 'this credential may not do that') {
    super('forbidden', message);
  }
}

export class NotFound extends DomainError {
  constructor(what: string) {
    super('not_found', `no such ${what}`);
  }
}

/** A link token (verification, reset, email change) that is unknown, used, expired or of another kind. */
export class InvalidLinkToken extends DomainError {
  constructor() {
    super('invalid_token', 'the link is invalid, expired or already used');
  }
}

/** A `redirect` that is not one of the configured link bases, matched exactly (ASVS 1.2.2). */
export class InvalidRedirect extends DomainError {
  constructor() {
    super('invalid_redirect', 'redirect is not one of the allowed link base URLs');
  }
}

/** Told only after the password verified, so it reveals nothing to someone without it. */
export class EmailNotVerified extends DomainError {
  constructor() {
    super('email_not_verified', 'the email address of this account is not verified yet');
  }
}
