import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { ENGINES, startService, type RunningService } from '../helpers/service.js';

const ADMIN_TOKEN = 'hygiene-admin-token-0123456789abcdefghij';
const WRONG_ADMIN_TOKEN = 'hygiene-wrong-token-0123456789abcdefghij';
// What a log line, a metric or the dashboard's figures must never hold.
const LEAKS = /\$argon2id\$|\$2[aby]\$|ast_[A-Za-z0-9_-]{20}|eyJhbGci|@example\.test|hygiene-/;

/**
 * Every kind of request, logged at the most verbose level with every slow
 * threshold at its lowest, and not one secret or address in the output:
 * not in the log lines, not in /metrics, not in the admin figures.
 */
for (const engine of ENGINES) {
  describe(`logs, metrics and figures on ${engine}`, () => {
    let service: RunningService;
    let base: string;
    const secrets: string[] = [ADMIN_TOKEN, WRONG_ADMIN_TOKEN];
    let metrics = '';
    let figures = '';

    before(async () => {
      service = await startService(engine, {
        env: {
          ASTRAL_LOG_LEVEL: 'trace',
          ASTRAL_LOG_SLOW_REQUEST: '1ms',
          ASTRAL_LOG_SLOW_QUERY: '1ms',
          ASTRAL_SERVER_TIMING: 'total',
          ASTRAL_ADMIN_TOKEN: ADMIN_TOKEN,
          ASTRAL_ALERT_FOR: '0s',
          ASTRAL_ALERT_API_LATENCY: '0ms',
        },
      });
      base = service.url;
      await runTraffic();
      // One sample of the window, so the figures and the alerts have seen the traffic.
      service.app.core.observability.monitor!.tick();
      metrics = (await call(base, 'GET', '/metrics')).text;
      figures = JSON.stringify([
        (await call(base, 'GET', '/v1/admin/stats', { token: ADMIN_TOKEN })).body,
        (await call(base, 'GET', '/v1/admin/alerts', { token: ADMIN_TOKEN })).body,
      ]);
    });
    after(() => service.stop());

    async function runTraffic(): Promise<void> {
      const email = uniqueEmail('hygiene');
      const password = strongPassword();
      const newPassword = strongPassword();
      secrets.push(email, password, newPassword);
      await call(base, 'POST', '/v1/register', { body: { email, password, name: 'Hygiene Test' } });
      await call(base, 'POST', '/v1/register', { body: { email, password } });
      await call(base, 'POST', '/v1/register', { body: { email: uniqueEmail('weak'), password: 'password' } });
      const login = (await call(base, 'POST', '/v1/login', { body: { email, password } })).body;
      const { sessionToken, accessToken } = login;
      secrets.push(sessionToken, accessToken);
      const cookie = `astral_session=${sessionToken}`;

      await wrongPasswords(email);
      await badInputs(email, password);
      await call(base, 'GET', '/v1/session', { token: sessionToken });
      await call(base, 'GET', '/v1/session', { token: accessToken });
      await call(base, 'GET', '/v1/session', { cookie });
      await call(base, 'GET', '/v1/session', { headers: { authorization: `Bearer ${sessionToken}x` } });
      await call(base, 'GET', '/v1/session', { headers: { authorization: `Token ${sessionToken}` } });
      secrets.push((await call(base, 'POST', '/v1/token', { token: sessionToken })).body.accessToken);
      await call(base, 'POST', '/v1/password', { token: sessionToken, body: { currentPassword: strongPassword(), newPassword } });
      await call(base, 'POST', '/v1/password', { token: sessionToken, body: { currentPassword: password, newPassword } });
      await call(base, 'POST', '/v1/logout', { cookie, headers: { origin: 'https://evil.example' } });
      await call(base, 'POST', '/v1/logout', { token: sessionToken });
      await call(base, 'POST', '/v1/logout-all', { token: sessionToken });
      await call(base, 'GET', '/v1/admin/stats', { token: WRONG_ADMIN_TOKEN });
      await call(base, 'GET', `/v1/admin/alerts?token=${WRONG_ADMIN_TOKEN}`);
      await call(base, 'GET', '/dashboard');
    }

    async function wrongPasswords(email: string): Promise<void> {
      for (let attempt = 0; attempt < 3; attempt++) {
        const wrong = strongPassword();
        secrets.push(wrong);
        await call(base, 'POST', '/v1/login', { body: { email, password: wrong } });
      }
      const ghost = uniqueEmail('ghost');
      secrets.push(ghost);
      await call(base, 'POST', '/v1/login', { body: { email: ghost, password: strongPassword() } });
    }

    async function badInputs(email: string, password: string): Promise<void> {
      const json = { 'content-type': 'application/json' };
      await call(base, 'POST', '/v1/login', { rawBody: `{"email":"${email}","password":"${password}"`, headers: json });
      await call(base, 'POST', '/v1/login', { rawBody: `{"email":"${email}","email":"${email}","password":"${password}"}`, headers: json });
      await call(base, 'POST', '/v1/login', { body: { email, password, role: 'admin' } });
      await call(base, 'POST', '/v1/login', { body: { email: [email], password } });
      await call(base, 'POST', '/v1/login', { rawBody: `email=${email}&password=${password}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      await call(base, 'POST', '/v1/login', { body: { email, password: password.repeat(500) } });
      await call(base, 'GET', `/v1/login?email=${encodeURIComponent(email)}`);
    }

    test('the traffic was logged, slow lines included', () => {
      assert.ok(service.logs.length > 30, `${service.logs.length} lines`);
      assert.ok(service.logs.some((line) => line.includes('"slow request"')));
      assert.ok(service.logs.some((line) => line.includes('"alert firing"')));
    });

    test('no log line holds a password, token, hash or email', () => {
      const joined = service.logs.join('\n');
      for (const secret of secrets) assert.ok(!joined.includes(secret), 'a secret reached the log');
      assert.doesNotMatch(joined, LEAKS);
    });

    test('neither /metrics nor the admin figures do', () => {
      for (const output of [metrics, figures]) {
        for (const secret of secrets) assert.ok(!output.includes(secret), 'a secret reached the output');
        assert.doesNotMatch(output, LEAKS);
      }
    });
  });
}
