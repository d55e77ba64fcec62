import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, uniqueEmail } from '../helpers/http.js';
import { startService, type RunningService } from '../helpers/service.js';

/**
 * The routes that send mail share a small per-address budget: nobody can use
 * the service to flood somebody's inbox with reset links.
 */
let service: RunningService;

before(async () => {
  service = await startService('sqlite', { env: { ASTRAL_RATE_MAIL: '3' } });
});
after(() => service.stop());

test('a fourth reset request from one address within the window is refused with 429', async () => {
  const email = uniqueEmail('victim');
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await call(service.url, 'POST', '/v1/password/forgot', { body: { email } })).status);
  assert.deepEqual(statuses, [202, 202, 202, 429]);

  const refused = await call(service.url, 'POST', '/v1/password/forgot', { body: { email } });
  assert.equal(refused.body.error.code, 'too_many_attempts');
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
  assert.match(refused.headers.get('ratelimit-policy') ?? '', /"mail";q=3/);
});
