import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SETTINGS } from '../src/config.js';

/** The settings table of README.md, row by row: name, default, meaning. */
function readmeSettings(): Array<{ name: string; fallback: string; description: string }> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const rows = readme.split('\n').filter((line) => /^\| `[A-Z0-9_]+` \|/.test(line));
  return rows.map((line) => {
    const [name, fallback, description] = line.slice(1, -1).split(' | ').map((cell) => cell.trim());
    return { name: name!.replaceAll('`', ''), fallback: fallback!, description: description! };
  });
}

test('README.md lists every setting of config.ts, in order, with the same default and meaning', () => {
  assert.deepEqual(readmeSettings(), SETTINGS.map(({ name, fallback, description }) => ({ name, fallback, description })));
});
