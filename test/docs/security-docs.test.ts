import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { SETTINGS } from '../../src/config.js';
import { ERROR_CODES } from '../../src/http/error-codes.js';

/**
 * The security documentation is part of the product: every Guardian setting
 * is explained in docs/security.md and listed in README.md with its real
 * default, and every error code is in README.md.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const security = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
const index = (name: string) => SETTINGS.findIndex((setting) => setting.name === name);
const guardianSettings = SETTINGS.slice(index('ASTRAL_LOCKOUT_WINDOW'), index('ASTRAL_BLOCKS_RELOAD') + 1);

describe('security documentation', () => {
  test('Guardian settings start where expected', () => {
    assert.ok(guardianSettings.length >= 25);
  });

  for (const setting of guardianSettings) {
    test(`${setting.name} is in README with its default and explained in docs/security.md`, () => {
      assert.ok(readme.includes(`| \`${setting.name}\` | ${setting.fallback} | ${setting.description} |`), 'README row');
      assert.ok(security.includes(`\`${setting.name}\``), 'docs/security.md');
    });
  }

  test('every error code is listed in README', () => {
    for (const code of Object.keys(ERROR_CODES).filter((code) => code !== 'method_not_allowed')) {
      assert.ok(readme.includes(`\`${code}\``), code);
    }
  });
});
