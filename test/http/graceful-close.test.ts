import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { startService } from '../helpers/service.js';

/**
 * Regression: closing waited for every keep-alive connection whose request
 * was in flight when the close began, until its client let it go (72 s), so
 * a SIGTERM ended in the forced exit. The answers finished while closing now
 * end their connections, and the close completes as soon as they are sent.
 */
test('an answer sent while closing ends its connection, so the close does not wait for the keep-alive timeout', async () => {
  const service = await startService('sqlite', { env: { ASTRAL_HASH_CONCURRENCY: '1' } });
  const email = uniqueEmail();
  const password = strongPassword();
  assert.equal((await call(service.url, 'POST', '/v1/register', { body: { email, password } })).status, 201);

  let received = 0;
  service.app.server.server.on('request', () => received++);
  const inFlight = Array.from({ length: 3 }, () => call(service.url, 'POST', '/v1/login', { body: { email, password } }));
  while (received < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  const closed = service.stop();
  const replies = await Promise.all(inFlight);
  assert.deepEqual(replies.map((reply) => reply.status), [200, 200, 200]);
  assert.ok(replies.every((reply) => reply.headers.get('connection') === 'close'), 'each answer ends its connection');

  let timer: NodeJS.Timeout | undefined;
  const keptOpen = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('the close waited on kept-alive connections')), 30_000);
  });
  try {
    await Promise.race([closed, keptOpen]);
  } finally {
    clearTimeout(timer);
  }
});
