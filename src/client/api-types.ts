/**
 * The shapes the service answers with, as JSON: times are ISO 8601 strings
 * in UTC, exactly as sent (README, "API").
 */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly image: string | null;
  readonly role: string;
  readonly teamName: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Registration {
  readonly email: string;
  readonly password: string;
  readonly name?: string;
  readonly image?: string;
  readonly teamName?: string;
}

/** A started session: keep `sessionToken` server-side; send `accessToken` to APIs. */
export interface LoginSession {
  readonly status: 'authenticated';
  readonly user: User;
  readonly session: { readonly id: string; readonly expiresAt: string };
  readonly sessionToken: string;
  readonly accessToken: string;
  readonly accessTokenExpiresAt: string;
}

/** The password was right and the account has a second factor: finish with `completeMfa`. */
export interface MfaRequired {
  readonly status: 'mfa_required';
  /** Short-lived and single-use; keep it out of URLs and logs. */
  readonly challenge: string;
}

export type LoginOutcome = LoginSession | MfaRequired;

export type MfaProof =
  | { readonly challenge: string; readonly code: string }
  | { readonly challenge: string; readonly recoveryCode: string };

export interface SessionInfo {
  readonly user: User;
  readonly session: {
    readonly id: string;
    readonly createdAt: string;
    readonly expiresAt: string;
    readonly idleExpiresAt: string;
  };
}

export interface AccessToken {
  readonly accessToken: string;
  readonly accessTokenExpiresAt: string;
}

export interface PasswordChange {
  readonly currentPassword: string;
  readonly newPassword: string;
}

/** A user as administrators see it; the protection fields come with account protection. */
export interface AdminUser extends User {
  readonly disabled?: boolean;
  readonly lockedUntil?: string | null;
}

export interface AdminSession {
  readonly id: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastSeenAt?: string;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
}

export interface AuditQuery {
  readonly userId?: string;
  readonly type?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface AuditEvent {
  readonly id: string;
  readonly type: string;
  readonly at: string;
  readonly [field: string]: unknown;
}

export interface AuditPage {
  readonly events: readonly AuditEvent[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null;
}
