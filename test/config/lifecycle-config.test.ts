import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { refuses } from '../helpers/config.js';

describe('lifecycle settings', () => {
  test('defaults: mail to the data folder, one link base, every notice on', () => {
    const config = loadConfig({});
    assert.equal(config.mail.smtpUrl, null);
    assert.equal(config.mail.from, 'astral-auth <no-reply@astral-auth.localhost>');
    assert.equal(config.mail.templatesDir, null);
    assert.deepEqual(config.mail.retry, { maxAttempts: 8, firstDelayMs: 30_000, maxDelayMs: 3_600_000 });
    assert.deepEqual(config.links, { baseUrls: ['http://localhost:3000/account'], verifyTtlMs: 86_400_000, resetTtlMs: 3_600_000 });
    assert.equal(config.requireVerifiedEmail, false);
    assert.equal(config.notices.size, 6);
    assert.deepEqual(config.retention, { intervalMs: 3_600_000, mailMs: 30 * 86_400_000, devicesMs: 180 * 86_400_000 });
  });

  test('values are read', () => {
    const config = loadConfig({
      ASTRAL_SMTP_URL: 'smtps://user:pass@mail.example:465',
      ASTRAL_MAIL_FROM: 'no-reply@example.com',
      ASTRAL_MAIL_TEMPLATES_DIR: 'templates',
      ASTRAL_LINK_BASE_URLS: 'https://app.example/auth, https://admin.example/link?x=1',
      ASTRAL_NOTIFY: 'new_sign_in,password_changed',
      ASTRAL_REQUIRE_VERIFIED_EMAIL: 'true',
    });
    assert.equal(config.mail.smtpUrl, 'smtps://user:pass@mail.example:465');
    assert.equal(config.mail.templatesDir, path.resolve('templates'));
    assert.deepEqual(config.links.baseUrls, ['https://app.example/auth', 'https://admin.example/link?x=1']);
    assert.deepEqual([...config.notices], ['new_sign_in', 'password_changed']);
    assert.equal(config.requireVerifiedEmail, true);
    assert.equal(loadConfig({ ASTRAL_NOTIFY: 'none' }).notices.size, 0);
  });

  test('an SMTP URL of another scheme', () => {
    refuses({ ASTRAL_SMTP_URL: 'http://mail.example' }, 'ASTRAL_SMTP_URL');
    refuses({ ASTRAL_SMTP_URL: 'mail.example:25' }, 'ASTRAL_SMTP_URL');
  });

  test('a From that is not one address on one line', () => {
    refuses({ ASTRAL_MAIL_FROM: 'nobody' }, 'ASTRAL_MAIL_FROM');
    refuses({ ASTRAL_MAIL_FROM: 'a@example.com\r\nBcc: b@example.com' }, 'ASTRAL_MAIL_FROM');
    refuses({ ASTRAL_MAIL_FROM: 'a@example.com, b@example.com' }, 'ASTRAL_MAIL_FROM');
  });

  test('link bases that are not http(s) URLs, or carry a fragment', () => {
    refuses({ ASTRAL_LINK_BASE_URLS: 'javascript:alert(1)' }, 'ASTRAL_LINK_BASE_URLS');
    refuses({ ASTRAL_LINK_BASE_URLS: 'https://app.example/#/auth' }, 'ASTRAL_LINK_BASE_URLS');
    refuses({ ASTRAL_LINK_BASE_URLS: 'https://app.example/auth,/relative' }, 'ASTRAL_LINK_BASE_URLS');
  });

  test('an unknown notice', () => {
    refuses({ ASTRAL_NOTIFY: 'new_sign_in,newsletter' }, 'ASTRAL_NOTIFY');
    refuses({ ASTRAL_NOTIFY: 'all,none' }, 'ASTRAL_NOTIFY');
  });

  test('attempts, delays and lifetimes out of range', () => {
    refuses({ ASTRAL_MAIL_MAX_ATTEMPTS: '0' }, 'ASTRAL_MAIL_MAX_ATTEMPTS');
    refuses({ ASTRAL_MAIL_RETRY_DELAY: '2h' }, 'ASTRAL_MAIL_RETRY_DELAY');
    refuses({ ASTRAL_RESET_LINK_TTL: '2d' }, 'ASTRAL_RESET_LINK_TTL');
    refuses({ ASTRAL_VERIFY_LINK_TTL: '10s' }, 'ASTRAL_VERIFY_LINK_TTL');
    refuses({ ASTRAL_PURGE_INTERVAL: '0' }, 'ASTRAL_PURGE_INTERVAL');
    refuses({ ASTRAL_MAIL_POLL_INTERVAL: 'often' }, 'ASTRAL_MAIL_POLL_INTERVAL');
    refuses({ ASTRAL_REQUIRE_VERIFIED_EMAIL: 'yes' }, 'ASTRAL_REQUIRE_VERIFIED_EMAIL');
  });
});
