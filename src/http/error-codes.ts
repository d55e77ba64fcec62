/**
 * Every error the API answers with: `{error:{code, message}}`, the code stable
 * and documented here once. The OpenAPI document lists the same codes, and a
 * test holds the two together.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, description: 'The body or a parameter is missing, of the wrong type, or has an unknown field.' },
  invalid_json: { status: 400, description: 'The body is not valid UTF-8 JSON, repeats a key, nests too deep, or escapes a lone surrogate.' },
  weak_password: { status: 400, description: 'The new password breaks the password policy; the message says which rule.' },
  invalid_token: { status: 400, description: 'A mailed link token that is unknown, expired, already used or replaced by a newer link.' },
  invalid_redirect: { status: 400, description: 'redirect is not one of ASTRAL_LINK_BASE_URLS, compared exactly.' },
  invalid_credentials: { status: 401, description: 'Email or password is incorrect (the same answer for unknown accounts).' },
  invalid_session: { status: 401, description: 'No session credential, or one that is expired, revoked or malformed.' },
  invalid_feed_token: { status: 401, description: 'The revocation feed token (ASTRAL_REVOCATION_FEED_TOKEN) is missing or wrong.' },
  mfa_required: { status: 401, description: 'The password was right and the account has TOTP: finish at /v1/login/mfa with the `challenge` in the body.' },
  invalid_mfa_code: { status: 401, description: 'The TOTP code, recovery code or challenge is wrong, already used or expired.' },
  step_up_required: { status: 401, description: 'A risk signal asks for this session to be confirmed with a TOTP code at /v1/session/step-up.' },
  invalid_admin_token: { status: 401, description: 'An admin route was called without the bearer token ASTRAL_ADMIN_TOKEN, or with a wrong one.' },
  invalid_metrics_token: { status: 401, description: '/metrics was read from outside loopback without the bearer token ASTRAL_METRICS_TOKEN, or with a wrong one.' },
  forbidden_origin: { status: 403, description: 'A cookie-authenticated request came from an origin that is not allowed.' },
  forbidden: { status: 403, description: 'The credential is valid but may not do this (not an admin), or the client address is blocked.' },
  email_not_verified: { status: 403, description: 'The password is right but the address is not verified, and ASTRAL_REQUIRE_VERIFIED_EMAIL is on.' },
  admin_disabled: { status: 403, description: 'ASTRAL_ADMIN_TOKEN is not set, so the admin routes refuse everyone.' },
  metrics_forbidden: { status: 403, description: '/metrics was read from outside loopback while ASTRAL_METRICS_TOKEN is not set.' },
  not_found: { status: 404, description: 'No such route, or no such user or session visible to the caller.' },
  email_taken: { status: 409, description: 'An account with this email already exists.' },
  mfa_not_enrolled: { status: 409, description: 'TOTP is not enrolled (or no enrolment is pending) for this account.' },
  mfa_already_enrolled: { status: 409, description: 'TOTP is already active for this account.' },
  payload_too_large: { status: 413, description: 'The body is larger than ASTRAL_BODY_LIMIT.' },
  unsupported_media_type: { status: 415, description: 'State-changing requests take application/json only.' },
  too_many_attempts: { status: 429, description: 'Throttled or locked, alike for existing and unknown accounts; retry after the Retry-After header.' },
  internal_error: { status: 500, description: 'An unexpected fault; it is logged with the request id.' },
  overloaded: { status: 503, description: 'Password hashing is saturated; retry after the Retry-After header.' },
  unavailable: { status: 503, description: 'A backing store is unreachable; retry after the Retry-After header.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
