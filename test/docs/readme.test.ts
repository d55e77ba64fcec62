import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SETTINGS } from '../../src/config.js';
import { ERROR_CODES } from '../../src/http/error-codes.js';

/** The README is the operator's reference: it must name every setting and every error code. */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the README lists every setting with its default', () => {
  for (const setting of SETTINGS) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${setting.name}\` |`));
    assert.ok(row, `README.md has no row for ${setting.name}`);
    assert.ok(row.includes(setting.fallback), `README.md gives another default for ${setting.name}`);
  }
});

test('the README names every error code', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.match(readme, new RegExp(`\`${code}\``), code);
});
