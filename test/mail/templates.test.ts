import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../../src/config.js';
import { MAIL_KINDS } from '../../src/domain/mail.js';
import { loadTemplates, renderMail } from '../../src/mail/templates.js';
import { describeDuration } from '../../src/service/mail-composer.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'astral-templates-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

describe('mail templates', () => {
  test('every kind has a subject, a text and an HTML part built in', () => {
    const templates = loadTemplates(null);
    for (const kind of MAIL_KINDS) {
      const { subject, text, html } = templates[kind];
      assert.ok(subject && text && html.startsWith('<!doctype html>'), kind);
    }
  });

  test('values are HTML-escaped in the HTML part only; a subject stays one line', () => {
    const template = { subject: 'Hi {{ userAgent }}', text: 'Browser: {{userAgent}}', html: '<p>{{userAgent}}</p>' };
    const rendered = renderMail(template, { userAgent: '<script>"x"\r\nBcc: a@b.c' });
    assert.equal(rendered.subject, 'Hi <script>"x" Bcc: a@b.c');
    assert.equal(rendered.text, 'Browser: <script>"x"\r\nBcc: a@b.c');
    assert.equal(rendered.html, '<p>&lt;script&gt;&quot;x&quot;\r\nBcc: a@b.c</p>');
  });

  test('a file in the folder replaces that part; the others stay built in', () => {
    const dir = folder({ 'password_reset.subject.txt': 'Your {{expiresIn}} link', 'password_reset.html': '<a href="{{link}}">go</a>' });
    const templates = loadTemplates(dir);
    const builtIn = loadTemplates(null);
    assert.equal(templates.password_reset.subject, 'Your {{expiresIn}} link');
    assert.equal(templates.password_reset.text, builtIn.password_reset.text);
    assert.deepEqual(templates.verify_email, builtIn.verify_email);
  });

  test('a value the kind does not provide, a stray file or a missing folder stops the start', () => {
    const refused = (dir: string, pattern: RegExp) =>
      assert.throws(() => loadTemplates(dir), (error: unknown) => error instanceof ConfigError && pattern.test(error.message));
    refused(folder({ 'new_sign_in.txt': 'from {{ip}} with {{link}}' }), /new_sign_in\.txt uses \{\{link\}\}/);
    refused(folder({ 'verify-email.txt': 'typo in the name' }), /verify-email\.txt is not one/);
    refused(path.join(tmpdir(), 'astral-no-such-folder'), /an existing folder/);
  });

  test('link lifetimes read as people say them', () => {
    assert.equal(describeDuration(86_400_000), '1 day');
    assert.equal(describeDuration(3_600_000), '1 hour');
    assert.equal(describeDuration(90 * 60_000), '90 minutes');
    assert.equal(describeDuration(45_000), '45 seconds');
  });
});
