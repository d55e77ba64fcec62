/**
 * One address as other keyboards, input methods and programs write it. The
 * service's canonical form (NFKC, lower case, trimmed) undoes every one, so
 * each must reach the same account.
 */
export const EMAIL_FORMS = ['as typed', 'upper', 'alternating', 'fullwidth', 'bold', 'decomposed', 'spaced', 'odd spaces'] as const;
export type EmailForm = (typeof EMAIL_FORMS)[number];

export function emailInForm(email: string, form: EmailForm): string {
  switch (form) {
    case 'upper':
      return email.replace(/[a-z]/g, (char) => char.toUpperCase());
    case 'alternating':
      return [...email].map((char, i) => (i % 2 ? char.toUpperCase() : char)).join('');
    case 'fullwidth':
      return email.replace(/[!-~]/g, (char) => String.fromCodePoint(char.codePointAt(0)! + 0xfee0));
    case 'bold':
      return email.replace(/[a-z]/g, (char) => String.fromCodePoint(0x1d41a + char.charCodeAt(0) - 97));
    case 'decomposed':
      return email.normalize('NFD');
    case 'spaced':
      return `  ${email}\t`;
    case 'odd spaces':
      return `\u00a0${email}\u3000\n`;
    default:
      return email;
  }
}
