import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ERROR_CODES } from './error-codes.js';

/**
 * Request and response shapes of the API. Bodies are closed
 * (`additionalProperties: false`): a field the route does not know, `role`
 * or `__proto__` included, is a 400, never silently dropped or applied.
 */
const NO_CONTROL_CHARS = '^[^\\u0000-\\u001f\\u007f]*$';

const Email = Type.String({ minLength: 1, maxLength: 320, description: 'Trimmed, NFKC-normalised and lower-cased by the service.' });
// The login ceiling is generous; the policy's own ceiling applies when a password is set.
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Label = Type.String({ minLength: 1, maxLength: 200, pattern: NO_CONTROL_CHARS });
const ImageUrl = Type.String({ maxLength: 2048, pattern: '^https?://[^\\s\\u0000-\\u001f\\u007f]+$' });
const Timestamp = Type.String({ format: 'date-time' });
const Redirect = Type.String({ minLength: 1, maxLength: 2048, description: 'One of ASTRAL_LINK_BASE_URLS, exactly as written; the first when absent.' });

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Password,
    name: Type.Optional(Label),
    image: Type.Optional(ImageUrl),
    teamName: Type.Optional(Label),
    redirect: Type.Optional(Redirect),
  },
  { additionalProperties: false },
);
export const LoginBody = Type.Object({ email: Email, password: Password }, { additionalProperties: false });
export const PasswordChangeBody = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  image: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  teamName: Type.Union([Type.String(), Type.Null()]),
  emailVerified: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const RegisterReply = Type.Object({ user: User });
export const LoginReply = Type.Object({
  user: User,
  session: Type.Object({ id: Type.String(), expiresAt: Timestamp }),
  sessionToken: Type.String(),
  accessToken: Type.String(),
  accessTokenExpiresAt: Timestamp,
});
export const SessionReply = Type.Object({
  user: User,
  session: Type.Object({ id: Type.String(), createdAt: Timestamp, expiresAt: Timestamp, idleExpiresAt: Timestamp }),
});
export const TokenReply = Type.Object({ accessToken: Type.String(), accessTokenExpiresAt: Timestamp });
export const HealthReply = Type.Object({ status: Type.String() });

export const ErrorReply = Type.Object({
  error: Type.Object({
    code: Type.Union(Object.keys(ERROR_CODES).map((code) => Type.Literal(code))),
    message: Type.String(),
  }),
});

const TotpCode = Type.String({ pattern: '^[0-9]{6}$', description: 'Six digits from the authenticator app.' });
const RecoveryCode = Type.String({ minLength: 16, maxLength: 32, pattern: '^[A-Za-z2-7 -]+$' });
const Challenge = Type.String({ pattern: '^astc_[A-Za-z0-9_-]{43}$' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const LoginMfaBody = Type.Union([
  Type.Object({ challenge: Challenge, code: TotpCode }, { additionalProperties: false }),
  Type.Object({ challenge: Challenge, recoveryCode: RecoveryCode }, { additionalProperties: false }),
]);
export const PasswordOnlyBody = Type.Object({ password: Password }, { additionalProperties: false });
export const CodeBody = Type.Object({ code: TotpCode }, { additionalProperties: false });
export const DisableTotpBody = Type.Object({ password: Password, code: TotpCode }, { additionalProperties: false });
export const EnrollReply = Type.Object({ secret: Type.String(), otpauthUrl: Type.String() });
export const RecoveryCodesReply = Type.Object({ recoveryCodes: Type.Array(Type.String()) });

/** The 401 of a login: the shared error shape, plus the challenge when the code is `mfa_required`. */
export const LoginRefusal = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
  challenge: Type.Optional(Type.String()),
});

export const SessionSummary = Type.Object({
  id: Type.String(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  lastSeenAt: Timestamp,
  ip: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  current: Type.Boolean(),
});
export const SessionListReply = Type.Object({ sessions: Type.Array(SessionSummary) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) });

export const AdminUser = Type.Object({ ...User.properties });
export const AdminUsersQuery = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 320 }) },
  { additionalProperties: false },
);
export const AdminUsersReply = Type.Object({ users: Type.Array(AdminUser) });
export const RoleBody = Type.Object({ role: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }) }, { additionalProperties: false });
export const AdminSessionsReply = Type.Object({ sessions: Type.Array(Type.Omit(SessionSummary, ['current'])) });
export const AuditQuery = Type.Object(
  {
    userId: Type.Optional(Type.String({ maxLength: 100 })),
    type: Type.Optional(Type.String({ maxLength: 64 })),
    since: Type.Optional(Timestamp),
    until: Type.Optional(Timestamp),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
  },
  { additionalProperties: false },
);
export const AuditEventReply = Type.Object({
  id: Type.String(),
  at: Timestamp,
  type: Type.String(),
  outcome: Type.String(),
  reason: Nullable(Type.String()),
  actor: Nullable(Type.String()),
  userId: Nullable(Type.String()),
  sessionId: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
});
export const AuditReply = Type.Object({ events: Type.Array(AuditEventReply), nextCursor: Nullable(Type.String()) });
export const BlockBody = Type.Object(
  {
    cidr: Type.String({ minLength: 2, maxLength: 64 }),
    duration: Type.String({ pattern: '^[0-9]{1,6}(s|m|h|d)$', description: 'How long, such as 15m, 12h or 30d.' }),
    reason: Type.Optional(Label),
  },
  { additionalProperties: false },
);
export const BlockReply = Type.Object({
  id: Type.String(),
  cidr: Type.String(),
  until: Timestamp,
  reason: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Timestamp,
});
export const BlockListReply = Type.Object({ blocks: Type.Array(BlockReply) });

export type RegisterBody = Static<typeof RegisterBody>;
export type LoginBody = Static<typeof LoginBody>;
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;
export type LoginMfaBody = Static<typeof LoginMfaBody>;
export type AuditQuery = Static<typeof AuditQuery>;
export type BlockBody = Static<typeof BlockBody>;

/** The error statuses a route may answer with, each described by the shared error shape. */
export function errorReplies(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorReply]));
}

// The account lifecycle: mailed links, export and deletion (routes/lifecycle.ts, routes/privacy.ts).
const LinkToken = Type.String({ minLength: 1, maxLength: 256, description: 'The token from the link fragment (#token=...).' });

export const TokenBody = Type.Object({ token: LinkToken }, { additionalProperties: false });
export const RedirectBody = Type.Object({ redirect: Type.Optional(Redirect) }, { additionalProperties: false });
export const ForgotPasswordBody = Type.Object({ email: Email, redirect: Type.Optional(Redirect) }, { additionalProperties: false });
export const ResetPasswordBody = Type.Object({ token: LinkToken, newPassword: Password }, { additionalProperties: false });
export const EmailChangeBody = Type.Object(
  { newEmail: Email, password: Password, redirect: Type.Optional(Redirect) },
  { additionalProperties: false },
);
export const DeleteAccountBody = Type.Object({ password: Password }, { additionalProperties: false });
export const ExportReply = Type.Object(
  { exportedAt: Timestamp, profile: Type.Unknown(), sessions: Type.Unknown(), devices: Type.Unknown(), mail: Type.Unknown() },
  { additionalProperties: true },
);

export type TokenBody = Static<typeof TokenBody>;
export type RedirectBody = Static<typeof RedirectBody>;
export type ForgotPasswordBody = Static<typeof ForgotPasswordBody>;
export type ResetPasswordBody = Static<typeof ResetPasswordBody>;
export type EmailChangeBody = Static<typeof EmailChangeBody>;
export type DeleteAccountBody = Static<typeof DeleteAccountBody>;
