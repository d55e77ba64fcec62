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
