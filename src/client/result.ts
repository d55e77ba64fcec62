/**
 * Every call of the client answers with a value, never a throw for an
 * expected failure: `{ok: true, data}` or `{ok: false, error}`, the error
 * carrying the server's stable code (README, "Error codes") or one of the
 * client's own below. A programmer mistake (a bad option) is a TypeError.
 */
export type Result<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: ApiError };

/** The codes the service answers with; newer services may add more, so any string can appear. */
export type ServiceErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'weak_password'
  | 'invalid_token'
  | 'invalid_redirect'
  | 'invalid_credentials'
  | 'invalid_session'
  | 'invalid_feed_token'
  | 'invalid_admin_token'
  | 'invalid_metrics_token'
  | 'admin_disabled'
  | 'metrics_forbidden'
  | 'mfa_required'
  | 'invalid_mfa_code'
  | 'step_up_required'
  | 'forbidden_origin'
  | 'forbidden'
  | 'email_not_verified'
  | 'not_found'
  | 'email_taken'
  | 'mfa_not_enrolled'
  | 'mfa_already_enrolled'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_attempts'
  | 'internal_error'
  | 'overloaded'
  | 'unavailable';

/**
 * Failures found on this side:
 * - `network_error`: the service could not be reached, or the call timed out (status 503);
 * - `invalid_response`: it answered something that is not the documented JSON (status 502);
 * - `token_invalid`, `token_expired`, `token_revoked`: an access token was refused (status 401);
 * - `revocation_unavailable`: the revocation stream is down and the service could not be
 *   asked instead, so the verifier refuses rather than guess (status 503).
 */
export type ClientErrorCode =
  | 'network_error'
  | 'invalid_response'
  | 'token_invalid'
  | 'token_expired'
  | 'token_revoked'
  | 'revocation_unavailable';

export type ErrorCode = ServiceErrorCode | ClientErrorCode | (string & {});

export interface ApiError {
  readonly code: ErrorCode;
  readonly message: string;
  /** The HTTP status the service answered with, or the one this failure maps to. */
  readonly status: number;
  /** Seconds, from the service's Retry-After header, when it sent one. */
  readonly retryAfter?: number;
}

export function success<T>(data: T): Result<T> {
  return { ok: true, data };
}

export function failure<T = never>(code: ErrorCode, message: string, status: number, retryAfter?: number): Result<T> {
  const error = retryAfter === undefined ? { code, message, status } : { code, message, status, retryAfter };
  return { ok: false, error };
}
