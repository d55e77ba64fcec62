import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClock } from '../helpers/clock.js';
import { assertError, auditOf, dropRedisPrefix, engineEnv, login, redisPrefix, register } from '../helpers/guardian.js';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { ENGINES, startService, type RunningService } from '../helpers/service.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';

/** The admin API, session listing and the session cap, the audit trail and its pagination. */
for (const engine of ENGINES) {
  describe(`admin API and sessions on ${engine}`, () => {
    const clock = new TestClock();
    const prefix = redisPrefix();
    let service: RunningService;
    let base: string;
    let admin: { token: string; accessToken: string; userId: string };
    const secrets: string[] = [ADMIN_TOKEN];

    before(async () => {
      const env = { ...engineEnv(engine, prefix), ASTRAL_ADMIN_TOKEN: ADMIN_TOKEN, ASTRAL_ADMIN_ROLES: 'admin,ADMIN', ASTRAL_MAX_SESSIONS: '3' };
      service = await startService(engine, { clock, env });
      base = service.url;
      const email = uniqueEmail('admin');
      const password = strongPassword();
      const created = await service.app.core.auth.register({ email, password }, 'admin');
      const reply = await login(base, email, password);
      admin = { token: reply.body.sessionToken, accessToken: reply.body.accessToken, userId: created.id };
      secrets.push(email, password, admin.token, reply.body.accessToken);
    });
    after(async () => {
      await service.stop();
      await dropRedisPrefix(prefix);
    });

    async function signedIn() {
      const user = await register(base);
      const reply = await login(base, user.email, user.password);
      secrets.push(user.email, user.password, reply.body.sessionToken, reply.body.accessToken);
      return { ...user, token: reply.body.sessionToken as string, sessionId: reply.body.session.id as string };
    }

    describe('who may', () => {
      test('no credential is 401, a non-admin session is 403, an admin session and the admin token work', async () => {
        const user = await signedIn();
        assertError(await call(base, 'GET', '/v1/admin/users?email=a'), 401, 'invalid_session');
        assertError(await call(base, 'GET', '/v1/admin/users?email=a', { token: user.token }), 403, 'forbidden');
        assertError(await call(base, 'GET', '/v1/admin/users?email=a', { token: `${ADMIN_TOKEN}x` }), 401, 'invalid_session');
        assert.equal((await call(base, 'GET', `/v1/admin/users?email=${encodeURIComponent(user.email)}`, { token: admin.token })).body.users[0].id, user.userId);
        assert.equal((await call(base, 'GET', '/v1/admin/users?email=a', { token: ADMIN_TOKEN })).status, 200);
      });

      test('an access token of an admin is not enough: admin actions take the session credential', async () => {
        assertError(await call(base, 'GET', '/v1/admin/users?email=a', { token: admin.accessToken }), 401, 'invalid_session');
      });

      test('a role change takes effect on the next request, without a new login', async () => {
        const user = await signedIn();
        assertError(await call(base, 'GET', '/v1/admin/audit', { token: user.token }), 403, 'forbidden');
        assert.equal((await call(base, 'PUT', `/v1/admin/users/${user.userId}/role`, { token: admin.token, body: { role: 'ADMIN' } })).status, 204);
        assert.equal((await call(base, 'GET', '/v1/admin/audit?limit=1', { token: user.token })).status, 200);
        assert.equal((await call(base, 'GET', '/v1/session', { token: user.token })).body.user.role, 'ADMIN');
        assert.equal((await call(base, 'PUT', `/v1/admin/users/${user.userId}/role`, { token: ADMIN_TOKEN, body: { role: 'user' } })).status, 204);
        assertError(await call(base, 'GET', '/v1/admin/audit', { token: user.token }), 403, 'forbidden');
      });
    });

    describe('actions', () => {
      test('disable ends every session at once and refuses logins; enable lets the user back in', async () => {
        const user = await signedIn();
        const access = (await login(base, user.email, user.password)).body.accessToken;
        assert.equal((await call(base, 'POST', `/v1/admin/users/${user.userId}/disable`, { token: ADMIN_TOKEN })).status, 204);
        assertError(await call(base, 'GET', '/v1/session', { token: user.token }), 401, 'invalid_session');
        assertError(await call(base, 'GET', '/v1/session', { token: access }), 401, 'invalid_session');
        assertError(await login(base, user.email, user.password), 401, 'invalid_credentials');
        assert.equal((await call(base, 'POST', `/v1/admin/users/${user.userId}/enable`, { token: ADMIN_TOKEN })).status, 204);
        assert.equal((await login(base, user.email, user.password)).status, 200);
      });

      test("an admin lists a user's sessions and ends one", async () => {
        const user = await signedIn();
        const listed = await call(base, 'GET', `/v1/admin/users/${user.userId}/sessions`, { token: admin.token });
        assert.deepEqual(listed.body.sessions.map((s: { id: string }) => s.id), [user.sessionId]);
        assert.equal(listed.body.sessions[0].ip, '127.0.0.1');
        assert.equal((await call(base, 'DELETE', `/v1/admin/sessions/${user.sessionId}`, { token: admin.token })).status, 204);
        assertError(await call(base, 'GET', '/v1/session', { token: user.token }), 401, 'invalid_session');
        assertError(await call(base, 'DELETE', `/v1/admin/sessions/${user.sessionId}`, { token: admin.token }), 404, 'not_found');
        assertError(await call(base, 'POST', '/v1/admin/users/no-such-user/unlock', { token: admin.token }), 404, 'not_found');
      });

      test('every admin action is audited with the admin as actor', async () => {
        const user = await signedIn();
        await call(base, 'POST', `/v1/admin/users/${user.userId}/unlock`, { token: admin.token });
        await call(base, 'PUT', `/v1/admin/users/${user.userId}/role`, { token: ADMIN_TOKEN, body: { role: 'user' } });
        const events = await auditOf(service, { userId: user.userId });
        const unlock = events.find((event) => event.type === 'admin.unlock')!;
        assert.equal(unlock.actor, `admin:${admin.userId}`);
        assert.equal(unlock.ip, '127.0.0.1');
        assert.equal(events.find((event) => event.type === 'admin.role')!.actor, 'admin-token');
      });
    });

    describe('own sessions', () => {
      test('a user lists their sessions, marks the current one, and ends their own only', async () => {
        const user = await signedIn();
        const other = await signedIn();
        const second = (await login(base, user.email, user.password)).body;
        const listed = await call(base, 'GET', '/v1/sessions', { token: user.token });
        assert.equal(listed.status, 200);
        assert.deepEqual(listed.body.sessions.map((s: { id: string }) => s.id).sort(), [user.sessionId, second.session.id].sort());
        assert.equal(listed.body.sessions.find((s: { current: boolean }) => s.current).id, user.sessionId);

        assertError(await call(base, 'DELETE', `/v1/sessions/${other.sessionId}`, { token: user.token }), 404, 'not_found');
        assert.equal((await call(base, 'GET', '/v1/session', { token: other.token })).status, 200);
        assert.equal((await call(base, 'DELETE', `/v1/sessions/${second.session.id}`, { token: user.token })).status, 204);
        assertError(await call(base, 'GET', '/v1/session', { token: second.sessionToken }), 401, 'invalid_session');
        assertError(await call(base, 'GET', '/v1/session', { token: second.accessToken }), 401, 'invalid_session');
      });

      test('ending a session publishes a revocation', async () => {
        const user = await signedIn();
        const heard: string[] = [];
        const stop = service.app.core.revocations.subscribe((revocation) => {
          if (revocation.kind === 'session') heard.push(revocation.sessionId);
        });
        await call(base, 'DELETE', `/v1/sessions/${user.sessionId}`, { token: user.token });
        stop();
        assert.deepEqual(heard, [user.sessionId]);
      });

      test('a fourth session over the cap of three ends the oldest', async () => {
        const user = await signedIn();
        const later = [];
        for (let i = 0; i < 3; i++) {
          clock.advance(1_000);
          later.push((await login(base, user.email, user.password)).body);
        }
        assertError(await call(base, 'GET', '/v1/session', { token: user.token }), 401, 'invalid_session');
        for (const session of later) assert.equal((await call(base, 'GET', '/v1/session', { token: session.sessionToken })).status, 200);
        const sessions = await service.app.core.guardian.store.listSessionsOfUser(user.userId);
        assert.equal(sessions.length, 3);
        assert.equal((await auditOf(service, { userId: user.userId, type: 'session.evicted' })).length, 1);
      });

      test('parallel logins never leave more sessions than the cap', async () => {
        const user = await signedIn();
        await Promise.all(Array.from({ length: 8 }, () => login(base, user.email, user.password)));
        assert.equal((await service.app.core.guardian.store.listSessionsOfUser(user.userId)).length, 3);
      });
    });

    describe('audit trail', () => {
      test('pages newest first with a cursor, filtered by user, type and time', async () => {
        const user = await signedIn();
        clock.advance(500);
        const since = new Date(clock.now()).toISOString();
        for (let i = 0; i < 5; i++) {
          clock.advance(1_000);
          await login(base, user.email, strongPassword());
        }
        await service.app.core.guardian.audit.flush();
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const query = new URLSearchParams({ userId: user.userId, type: 'login', since, limit: '2', ...(cursor ? { cursor } : {}) });
          const page = await call(base, 'GET', `/v1/admin/audit?${query}`, { token: admin.token });
          assert.equal(page.status, 200, page.text);
          assert.ok(page.body.events.length <= 2);
          seen.push(...page.body.events.map((event: { id: string }) => event.id));
          cursor = page.body.nextCursor;
        } while (cursor);
        assert.equal(seen.length, 5);
        assert.equal(new Set(seen).size, 5);
        assert.deepEqual([...seen].sort((a, b) => Number(b) - Number(a)), seen, 'newest first');

        const until = new Date(clock.now() - 2_500).toISOString();
        const early = await call(base, 'GET', `/v1/admin/audit?userId=${user.userId}&type=login&since=${since}&until=${until}`, { token: admin.token });
        assert.equal(early.body.events.length, 2);
        assertError(await call(base, 'GET', '/v1/admin/audit?limit=0', { token: admin.token }), 400, 'invalid_request');
        assertError(await call(base, 'GET', '/v1/admin/audit?bogus=1', { token: admin.token }), 400, 'invalid_request');
      });

      test('the application path cannot change an audit row', async () => {
        await service.app.core.guardian.audit.flush();
        const core = service.app.core;
        const update = (sql: string) => core.store.engine === 'sqlite'
          ? (core.store as unknown as { db: { exec(sql: string): void } }).db.exec(sql)
          : (core.store as unknown as { pool: { query(sql: string): Promise<unknown> } }).pool.query(sql);
        await assert.rejects(async () => update("UPDATE audit_events SET reason = 'x'"), /append-only/);
        await assert.rejects(async () => update(`UPDATE audit_events SET "userId" = 'someone-else'`), /append-only/);
        // The pseudonymisation shape, but keeping the address: still refused.
        await assert.rejects(async () => update(`UPDATE audit_events SET "userId" = 'anon_x'`), /append-only/);
      });

      test('retention deletes events older than the setting, and only those', async () => {
        const before = (await auditOf(service)).length;
        clock.advance(366 * 86_400_000);
        const user = await signedIn();
        const purged = await service.app.core.guardian.retention.runOnce();
        assert.equal(purged.auditEvents, before);
        assert.ok((await auditOf(service, { userId: user.userId })).length > 0);
      });

      test('no audit row or log line holds a password, token or email', async () => {
        const events = await auditOf(service);
        const joined = JSON.stringify(events) + service.logs.join('\n');
        for (const secret of secrets) assert.ok(!joined.includes(secret), 'a secret reached the audit trail or the log');
        assert.doesNotMatch(joined, /@example\.test|\$argon2id\$|ast_[A-Za-z0-9_-]{20}|eyJhbGci/);
      });
    });
  });
}
