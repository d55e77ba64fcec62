import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call } from '../helpers/http.js';
import { startService, type RunningService } from '../helpers/service.js';

/**
 * Regression: a URL whose percent-escapes do not decode was answered by
 * Fastify itself, in its own error shape, before any of the API's handlers
 * ran. It is a 400 `invalid_request` like any other malformed request.
 */
let service: RunningService;
before(async () => (service = await startService('sqlite')));
after(() => service.stop());

test('a URL that does not decode gets the API error shape, not Fastify\'s', async () => {
  for (const path of ['/v1/%ff', '/v1/session/%E0%A4%A', '/%c0%af']) {
    const reply = await call(service.url, 'GET', path);
    assert.equal(reply.status, 400, `${path}: ${reply.text}`);
    assert.deepEqual(Object.keys(reply.body), ['error']);
    assert.equal(reply.body.error.code, 'invalid_request');
  }
});
