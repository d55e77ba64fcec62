import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { call, strongPassword, uniqueEmail, type Reply } from '../helpers/http.js';
import { ENGINES, startService, type RunningService } from '../helpers/service.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789abcdef';
const OUTSIDE = '203.0.113.9';

async function login(base: string): Promise<{ sessionToken: string; accessToken: string; email: string; password: string }> {
  const email = uniqueEmail('observed');
  const password = strongPassword();
  assert.equal((await call(base, 'POST', '/v1/register', { body: { email, password } })).status, 201);
  const reply = await call(base, 'POST', '/v1/login', { body: { email, password } });
  return { ...reply.body, email, password };
}

function assertError(reply: Reply | { status: number; body: any }, status: number, code: string): void {
  assert.equal(reply.status, status);
  assert.equal(reply.body?.error?.code, code);
}

/** Reads /metrics the way a scraper on another host would, through Fastify's injector. */
async function scrapeFrom(service: RunningService, address: string, headers: Record<string, string> = {}) {
  const reply = await service.app.server.inject({ method: 'GET', url: '/metrics', remoteAddress: address, headers });
  return { status: reply.statusCode, headers: reply.headers, body: String(reply.headers['content-type']).startsWith('application/json') ? reply.json() : reply.body };
}

function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((row) => row.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

for (const engine of ENGINES) {
  describe(`metrics on ${engine}`, () => {
    let service: RunningService;
    let base: string;

    before(async () => {
      service = await startService(engine, { env: { ASTRAL_ADMIN_TOKEN: ADMIN_TOKEN } });
      base = service.url;
    });
    after(() => service.stop());

    test('time requests by route pattern and status, never by raw URL', async () => {
      const { sessionToken } = await login(base);
      await call(base, 'GET', '/v1/session', { token: sessionToken });
      await call(base, 'GET', '/v1/no-such/route-9f3a?probe=1');
      const metrics = (await call(base, 'GET', '/metrics')).text;
      assert.ok((sample(metrics, 'astral_http_request_duration_seconds_count{method="GET",route="/v1/session",status="200"}') ?? 0) >= 1);
      assert.ok((sample(metrics, 'astral_http_request_duration_seconds_count{method="ANY",route="unmatched",status="404"}') ?? 0) >= 1);
      assert.ok(!metrics.includes('route-9f3a') && !metrics.includes('probe'), 'a raw URL reached a label');
    });

    test('count logins by outcome, time session checks, queries and password work', async () => {
      const { sessionToken, accessToken, email } = await login(base);
      await call(base, 'POST', '/v1/login', { body: { email, password: strongPassword() } });
      await call(base, 'GET', '/v1/session', { token: sessionToken });
      await call(base, 'GET', '/v1/session', { token: accessToken });
      await call(base, 'GET', '/v1/session', { token: `ast_${'A'.repeat(43)}` });
      const metrics = (await call(base, 'GET', '/metrics')).text;
      assert.ok(sample(metrics, 'astral_logins_total{outcome="success"}')! >= 1);
      assert.ok(sample(metrics, 'astral_logins_total{outcome="invalid_credentials"}')! >= 1);
      for (const labels of ['credential="session_token",result="valid"', 'credential="access_token",result="valid"', 'credential="session_token",result="invalid"']) {
        assert.ok(sample(metrics, `astral_session_validation_duration_seconds_count{${labels}}`)! >= 1, labels);
      }
      // Known sessions are answered from the cache; the unknown token goes to the database.
      assert.ok(sample(metrics, 'astral_db_query_duration_seconds_count{query="findSessionByTokenHash"}')! >= 1);
      assert.ok(sample(metrics, 'astral_cache_lookups_total{tier="l1",result="hit"}')! >= 2);
      assert.ok(sample(metrics, 'astral_password_duration_seconds_count{operation="verify"}')! >= 2);
      assert.ok(sample(metrics, 'astral_password_duration_seconds_count{operation="hash"}')! >= 1);
      assert.equal(sample(metrics, 'astral_password_queue_depth'), 0);
      assert.ok(metrics.includes('process_cpu_seconds_total') && metrics.includes('nodejs_eventloop_lag_seconds'));

    });

    test('expose the connection pool', async () => {
      const metrics = (await call(base, 'GET', '/metrics')).text;
      const max = sample(metrics, 'astral_db_pool_max');
      assert.equal(max, engine === 'postgres' ? 10 : 1);
      for (const state of ['in_use', 'idle', 'waiting']) assert.notEqual(sample(metrics, `astral_db_pool_connections{state="${state}"}`), undefined);
      if (engine === 'sqlite') assert.equal(sample(metrics, 'astral_db_pool_connections{state="idle"}'), 1);
    });
  });
}

describe('who may read /metrics', () => {
  let open: RunningService;
  let guarded: RunningService;

  before(async () => {
    open = await startService('sqlite');
    guarded = await startService('sqlite', { env: { ASTRAL_METRICS_TOKEN: METRICS_TOKEN } });
  });
  after(async () => {
    await open.stop();
    await guarded.stop();
  });

  test('a scraper on loopback, by the socket address, in Prometheus text format', async () => {
    const reply = await call(open.url, 'GET', '/metrics');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal((await scrapeFrom(open, '::1')).status, 200);
  });

  test('without a token setting, nobody else: not from another address, not through a local proxy', async () => {
    assertError(await scrapeFrom(open, OUTSIDE), 403, 'metrics_forbidden');
    assertError(await scrapeFrom(open, OUTSIDE, { authorization: `Bearer ${METRICS_TOKEN}` }), 403, 'metrics_forbidden');
    assertError(await call(open.url, 'GET', '/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } }), 403, 'metrics_forbidden');
    assertError(await call(open.url, 'GET', '/metrics', { headers: { forwarded: 'for=127.0.0.1' } }), 403, 'metrics_forbidden');
  });

  test('with a token setting, another address needs the bearer token', async () => {
    const missing = await scrapeFrom(guarded, OUTSIDE);
    assertError(missing, 401, 'invalid_metrics_token');
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    assertError(await scrapeFrom(guarded, OUTSIDE, { authorization: `Bearer ${METRICS_TOKEN}x` }), 401, 'invalid_metrics_token');
    assertError(await scrapeFrom(guarded, OUTSIDE, { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` }), 401, 'invalid_metrics_token');
    assertError(await scrapeFrom(guarded, OUTSIDE, { authorization: `Basic ${METRICS_TOKEN}` }), 401, 'invalid_metrics_token');
    assertError(await scrapeFrom(guarded, OUTSIDE, { 'x-forwarded-for': '127.0.0.1' }), 401, 'invalid_metrics_token');
    const granted = await scrapeFrom(guarded, OUTSIDE, { authorization: `Bearer ${METRICS_TOKEN}` });
    assert.equal(granted.status, 200);
    assert.match(String(granted.body), /astral_http_request_duration_seconds/);
  });
});

describe('admin routes', () => {
  let withToken: RunningService;
  let without: RunningService;

  before(async () => {
    withToken = await startService('sqlite', { env: { ASTRAL_ADMIN_TOKEN: ADMIN_TOKEN } });
    without = await startService('sqlite');
  });
  after(async () => {
    await withToken.stop();
    await without.stop();
  });

  test('list the alerts, each rule with its state, value and threshold, to the admin token only', async () => {
    const reply = await call(withToken.url, 'GET', '/v1/admin/alerts', { token: ADMIN_TOKEN });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.alerts.map((alert: { name: string }) => alert.name), ['api_latency', 'query_time', 'cache_hit_ratio', 'pool_use', 'error_rate']);
    assert.ok(reply.body.alerts.every((alert: { state: string }) => alert.state === 'ok'));
    assert.deepEqual(reply.body.history, []);
    assert.equal((await call(withToken.url, 'GET', '/v1/admin/stats', { token: ADMIN_TOKEN })).status, 200);
  });

  test('refuse a missing or wrong token, a user session, and a token in the URL', async () => {
    const { sessionToken } = await login(withToken.url);
    for (const path of ['/v1/admin/alerts', '/v1/admin/stats']) {
      const missing = await call(withToken.url, 'GET', path);
      assertError(missing, 401, 'invalid_admin_token');
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
      assertError(await call(withToken.url, 'GET', path, { token: `${ADMIN_TOKEN}0` }), 401, 'invalid_admin_token');
      assertError(await call(withToken.url, 'GET', path, { token: sessionToken }), 401, 'invalid_admin_token');
      assertError(await call(withToken.url, 'GET', `${path}?token=${ADMIN_TOKEN}`), 401, 'invalid_admin_token');
    }
  });

  test('are off for everyone while ASTRAL_ADMIN_TOKEN is unset', async () => {
    assertError(await call(without.url, 'GET', '/v1/admin/alerts', { token: ADMIN_TOKEN }), 403, 'admin_disabled');
    assertError(await call(without.url, 'GET', '/v1/admin/stats'), 403, 'admin_disabled');
  });

  test('the dashboard page carries its own policy: its inline style and script by hash, requests to itself only', async () => {
    const reply = await call(withToken.url, 'GET', '/dashboard');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/html/);
    const policy = reply.headers.get('content-security-policy') ?? '';
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/);
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /connect-src 'self'/);
    const script = /<script>([\s\S]*?)<\/script>/.exec(reply.text)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(reply.text)![1]!;
    assert.ok(policy.includes(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`));
    assert.ok(policy.includes(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`));
    assert.equal((reply.text.match(/<script/g) ?? []).length, 1);
  });
});

describe('settings', () => {
  test('ASTRAL_METRICS=false serves no /metrics, no admin routes and no dashboard, and the API still works', async () => {
    const service = await startService('sqlite', { env: { ASTRAL_METRICS: 'false', ASTRAL_ADMIN_TOKEN: ADMIN_TOKEN } });
    try {
      for (const path of ['/metrics', '/dashboard', '/v1/admin/alerts', '/v1/admin/stats']) {
        assertError(await call(service.url, 'GET', path, { token: ADMIN_TOKEN }), 404, 'not_found');
      }
      const { sessionToken } = await login(service.url);
      assert.equal((await call(service.url, 'GET', '/v1/session', { token: sessionToken })).status, 200);
    } finally {
      await service.stop();
    }
  });

  test('Server-Timing is absent by default, and with ASTRAL_SERVER_TIMING=total holds the total only', async () => {
    const plain = await startService('sqlite');
    const timed = await startService('sqlite', { env: { ASTRAL_SERVER_TIMING: 'total' } });
    try {
      assert.equal((await call(plain.url, 'GET', '/healthz')).headers.get('server-timing'), null);
      const { sessionToken } = await login(timed.url);
      for (const reply of [await call(timed.url, 'GET', '/v1/session', { token: sessionToken }), await call(timed.url, 'GET', '/v1/session')]) {
        assert.match(reply.headers.get('server-timing') ?? '', /^total;dur=\d+\.\d$/);
        assert.doesNotMatch(reply.text, /dur|elapsed|cached|timing/i, 'no timing in the body');
      }
    } finally {
      await plain.stop();
      await timed.stop();
    }
  });

  test('a request slower than ASTRAL_LOG_SLOW_REQUEST is logged at warn with its route and time', async () => {
    const service = await startService('sqlite', { env: { ASTRAL_LOG_SLOW_REQUEST: '1ms' } });
    try {
      await login(service.url);
      const slow = service.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'slow request');
      assert.ok(slow.some((line) => line.level === 40 && line.route === '/v1/login' && line.status === 200 && line.ms >= 1));
    } finally {
      await service.stop();
    }
  });
});
