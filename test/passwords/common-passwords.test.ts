import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonPasswordCheck, loadCommonPasswords } from '../../src/passwords/common-passwords.js';

const list = loadCommonPasswords();
const isCommon = commonPasswordCheck(list);

test('the list holds tens of thousands of entries', () => {
  assert.ok(list.size >= 40_000, `only ${list.size} entries`);
  assert.ok(list.size < 1_000_000);
});

test('well-known passwords are on it, a random one is not', () => {
  for (const known of ['123456', 'password', 'qwerty', 'iloveyou', 'dragon']) assert.equal(isCommon(known), true, known);
  assert.equal(isCommon('vermilion-otter-sings-at-dawn'), false);
});

test('lookups are exact: no trimming or case folding inside the check', () => {
  assert.equal(isCommon('password'), true);
  assert.equal(isCommon(' password'), false);
  assert.equal(isCommon('PASSWORD'), false);
});

test('100,000 lookups take well under a second', () => {
  const candidates = ['password', 'not-on-the-list-at-all', 'dragon', 'trustno1x'];
  const started = process.hrtime.bigint();
  let hits = 0;
  for (let i = 0; i < 100_000; i++) if (isCommon(candidates[i % candidates.length]!)) hits++;
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(hits, 50_000);
  assert.ok(elapsedMs < 500, `100k lookups took ${elapsedMs.toFixed(1)} ms`);
});
