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

export type RegisterBody = Static<typeof RegisterBody>;
export type LoginBody = Static<typeof LoginBody>;
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

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
