import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { ROOMY_LOCKOUT, startService, type RunningService } from '../helpers/service.js';

/**
 * Hashing is bounded: one hash at a time and two waiting, here. A burst of
 * logins beyond that is answered at once with 503 `overloaded` and
 * Retry-After instead of queueing without end, and session checks, which
 * never hash, keep being answered meanwhile.
 */
let service: RunningService;

before(async () => {
  service = await startService('sqlite', { env: { ...ROOMY_LOCKOUT, ASTRAL_HASH_CONCURRENCY: '1', ASTRAL_HASH_QUEUE_MAX: '2' } });
});
after(() => service.stop());

test('a login burst past the hashing queue gets 503 with Retry-After, and sessions stay served', async () => {
  const email = uniqueEmail();
  const password = strongPassword();
  assert.equal((await call(service.url, 'POST', '/v1/register', { body: { email, password } })).status, 201);
  const { sessionToken } = (await call(service.url, 'POST', '/v1/login', { body: { email, password } })).body;

  const logins = Array.from({ length: 24 }, () => call(service.url, 'POST', '/v1/login', { body: { email, password } }));
  const checks = Array.from({ length: 24 }, () => call(service.url, 'GET', '/v1/session', { token: sessionToken }));
  const [loginReplies, checkReplies] = await Promise.all([Promise.all(logins), Promise.all(checks)]);

  const statuses = loginReplies.map((reply) => reply.status);
  assert.ok(statuses.every((status) => status === 200 || status === 503), statuses.join(','));
  const refused = loginReplies.filter((reply) => reply.status === 503);
  assert.ok(refused.length > 0, 'some logins were refused');
  assert.ok(statuses.includes(200), 'some logins went through');
  for (const reply of refused) {
    assert.equal(reply.body.error.code, 'overloaded');
    assert.equal(reply.headers.get('retry-after'), '1');
  }
  assert.ok(checkReplies.every((reply) => reply.status === 200));
  assert.equal((await call(service.url, 'POST', '/v1/login', { body: { email, password } })).status, 200, 'served again after the burst');
});
