import type { MailKind } from '../domain/mail.js';

/**
 * The built-in mail, as strings in a module so that they ship inside the
 * compiled package and are found alike under tsx and from dist/. Operators
 * replace any part with a file in ASTRAL_MAIL_TEMPLATES_DIR. `{{name}}` is a
 * value (HTML-escaped in the .html part); each kind has only its own values.
 */
export interface MailTemplate {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export const TEMPLATE_VALUES: Readonly<Record<MailKind, readonly string[]>> = {
  verify_email: ['link', 'expiresIn'],
  password_reset: ['link', 'expiresIn'],
  email_change_confirm: ['link', 'expiresIn'],
  new_sign_in: ['time', 'ip', 'userAgent'],
  password_changed: ['time'],
  email_changed: ['time'],
  mfa_enabled: ['time'],
  mfa_disabled: ['time'],
  account_locked: ['time'],
};

const NOT_YOU = 'If this was not you, reset your password and contact support.';

function page(...paragraphs: string[]): string {
  const body = paragraphs.map((paragraph) => `<p>${paragraph}</p>`).join('\n');
  return `<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.5">\n${body}\n</body></html>\n`;
}

function linkMail(subject: string, intro: string, action: string, ignore: string): MailTemplate {
  return {
    subject,
    text: `${intro}\n\n${action}:\n{{link}}\n\nThe link works once, for {{expiresIn}}. ${ignore}\n`,
    html: page(intro, `<a href="{{link}}">${action}</a>`, `The link works once, for {{expiresIn}}. ${ignore}`),
  };
}

function notice(subject: string, what: string): MailTemplate {
  return {
    subject,
    text: `${what}\n\nWhen: {{time}}\n\n${NOT_YOU}\n`,
    html: page(what, 'When: {{time}}', NOT_YOU),
  };
}

export const DEFAULT_TEMPLATES: Readonly<Record<MailKind, MailTemplate>> = {
  verify_email: linkMail(
    'Confirm your email address',
    'Please confirm that this address belongs to your account.',
    'Confirm this address',
    'If you did not create an account, ignore this mail.',
  ),
  password_reset: linkMail(
    'Reset your password',
    'Someone asked to reset the password of the account with this address.',
    'Choose a new password',
    'If it was not you, ignore this mail: your password stays as it is.',
  ),
  email_change_confirm: linkMail(
    'Confirm your new email address',
    'Someone asked to move an account to this address.',
    'Confirm the change',
    'If it was not you, ignore this mail: nothing changes.',
  ),
  new_sign_in: {
    subject: 'New sign-in to your account',
    text: `Your account was signed in to from a device we had not seen before.\n\nWhen: {{time}}\nAddress: {{ip}}\nBrowser: {{userAgent}}\n\n${NOT_YOU}\n`,
    html: page(
      'Your account was signed in to from a device we had not seen before.',
      'When: {{time}}<br>Address: {{ip}}<br>Browser: {{userAgent}}',
      NOT_YOU,
    ),
  },
  password_changed: notice('Your password was changed', 'The password of your account was changed, and every other session was ended.'),
  email_changed: notice('Your email address was changed', 'Your account no longer uses this address: it was moved to another one.'),
  mfa_enabled: notice('Two-step sign-in turned on', 'Two-step sign-in (an authenticator code) was turned on for your account.'),
  mfa_disabled: notice('Two-step sign-in turned off', 'Two-step sign-in was turned off for your account.'),
  account_locked: notice('Sign-in paused after failed attempts', 'Sign-in to your account was paused after too many failed attempts.'),
};
