import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.js';
import { MAIL_KINDS, type MailKind } from '../domain/mail.js';
import { DEFAULT_TEMPLATES, TEMPLATE_VALUES, type MailTemplate } from './default-templates.js';

/**
 * Mail templates: the built-in ones, each part replaceable by a file named
 * `<kind>.subject.txt`, `<kind>.txt` or `<kind>.html` in the operator's
 * folder. Every template is checked once at start: a file the service does
 * not know, or a `{{value}}` its kind does not provide, stops the start with
 * the file named, rather than sending broken mail later.
 */
export type TemplateSet = Readonly<Record<MailKind, MailTemplate>>;

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const PARTS = { subject: 'subject.txt', text: 'txt', html: 'html' } as const;
const SETTING = 'ASTRAL_MAIL_TEMPLATES_DIR';

export function loadTemplates(dir: string | null): TemplateSet {
  if (dir !== null) checkFolder(dir);
  const entries = MAIL_KINDS.map((kind) => [kind, loadKind(kind, dir)] as const);
  return Object.fromEntries(entries) as Record<MailKind, MailTemplate>;
}

export function renderMail(template: MailTemplate, values: Readonly<Record<string, string>>): RenderedMail {
  return {
    // A subject is one header line: whatever a value holds, it stays one.
    subject: fill(template.subject, values, (value) => value).replace(/\s+/g, ' ').trim(),
    text: fill(template.text, values, (value) => value),
    html: fill(template.html, values, escapeHtml),
  };
}

function loadKind(kind: MailKind, dir: string | null): MailTemplate {
  const part = (name: keyof typeof PARTS): string => {
    const file = dir === null ? undefined : path.join(dir, `${kind}.${PARTS[name]}`);
    const source = file && existsSync(file) ? readFileSync(file, 'utf8') : DEFAULT_TEMPLATES[kind][name];
    checkValues(kind, source, file);
    return source;
  };
  return { subject: part('subject'), text: part('text'), html: part('html') };
}

function checkFolder(dir: string): void {
  if (!existsSync(dir)) throw new ConfigError(SETTING, `an existing folder (${dir} is not one)`);
  const known = new Set(MAIL_KINDS.flatMap((kind) => Object.values(PARTS).map((ext) => `${kind}.${ext}`)));
  const stray = readdirSync(dir).find((name) => !known.has(name) && !name.startsWith('.'));
  if (stray) throw new ConfigError(SETTING, `only <kind>.subject.txt, <kind>.txt and <kind>.html files; ${stray} is not one`);
}

function checkValues(kind: MailKind, source: string, file: string | undefined): void {
  for (const [, name] of source.matchAll(PLACEHOLDER)) {
    if (!TEMPLATE_VALUES[kind].includes(name!)) {
      const where = file ? path.basename(file) : `the built-in ${kind} template`;
      throw new ConfigError(SETTING, `templates that use only ${TEMPLATE_VALUES[kind].join(', ')}; ${where} uses {{${name}}}`);
    }
  }
}

function fill(source: string, values: Readonly<Record<string, string>>, encode: (value: string) => string): string {
  return source.replace(PLACEHOLDER, (_, name: string) => encode(values[name] ?? ''));
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}
