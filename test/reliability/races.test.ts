import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { call, strongPassword, type Reply } from '../helpers/http.js';
import { EMAIL_FORMS, emailInForm } from '../helpers/email-forms.js';
import { createAccount, type Account } from '../helpers/load.js';
import { ROOMY_LOCKOUT, redisEnv, startService, type RunningService } from '../helpers/service.js';

/**
 * Requests that race on two instances sharing PostgreSQL and Redis: one
 * email registered many times at once, logout against checks and token
 * refreshes, a password change against logins. When the dust settles,
 * exactly one account exists, and no session survives that should not, on
 * either instance.
 */
describe('races across two instances', () => {
  let a: RunningService;
  let b: RunningService;

  before(async () => {
    a = await startService('postgres', { env: { ...redisEnv(), ...ROOMY_LOCKOUT, ASTRAL_REVOCATION_ACK_TIMEOUT: '5s', ASTRAL_LOG_LEVEL: 'info' } });
    b = await startService('postgres', { join: a, env: ROOMY_LOCKOUT });
  });
  after(async () => {
    await b.stop();
    await a.stop();
  });

  const both = () => [a, b];
  const either = (i: number) => (i % 2 === 0 ? a : b);

  async function sessionStatus(service: RunningService, token: string): Promise<number> {
    return (await call(service.url, 'GET', '/v1/session', { token })).status;
  }

  async function assertRefusedEverywhere(token: string, what: string): Promise<void> {
    for (const service of both()) {
      const reply = await call(service.url, 'GET', '/v1/session', { token });
      assert.equal(reply.status, 401, `${what} is refused on ${service === a ? 'A' : 'B'}: ${reply.text}`);
    }
  }

  test('one address registered 50 times at once, in many forms, on both instances: one 201, 49 409, one row', async () => {
    const local = `racer.${Date.now().toString(36)}`;
    const forms = EMAIL_FORMS.map((form) => emailInForm(`${local}@example.test`, form));
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(either(i).url, 'POST', '/v1/register', { body: { email: forms[i % forms.length], password: strongPassword() } })),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    assert.deepEqual(statuses, [201, ...Array<number>(49).fill(409)], replies.filter((r) => r.status !== 409).map((r) => r.text).join('\n'));
    for (const reply of replies.filter((r) => r.status === 409)) assert.equal(reply.body.error.code, 'email_taken');
    assert.equal(await countUsers(a, `${local}@example.test`), 1);
  });

  test('logout racing with session checks and token refreshes leaves nothing alive', async () => {
    for (let round = 0; round < 8; round++) {
      const account = await createAccount(a.url);
      const login = await call(a.url, 'POST', '/v1/login', { body: { email: account.email, password: account.password } });
      const { sessionToken, accessToken } = login.body as { sessionToken: string; accessToken: string };
      assert.equal(await sessionStatus(b, sessionToken), 200, 'cached on B');

      const checks = Array.from({ length: 20 }, (_, i) => call(either(i).url, 'GET', '/v1/session', { token: sessionToken }));
      const refreshes = Array.from({ length: 10 }, (_, i) => call(either(i + round).url, 'POST', '/v1/token', { token: sessionToken }));
      const logout = call(either(round).url, 'POST', '/v1/logout', { token: sessionToken });
      const [checkReplies, refreshReplies, logoutReply] = await Promise.all([Promise.all(checks), Promise.all(refreshes), logout]);

      assert.equal(logoutReply.status, 204);
      assertOnly([...checkReplies, ...refreshReplies], [200, 401]);
      await assertRefusedEverywhere(sessionToken, 'the session token');
      await assertRefusedEverywhere(accessToken, 'the access token from the login');
      for (const minted of refreshReplies.filter((reply) => reply.status === 200)) {
        await assertRefusedEverywhere(minted.body.accessToken, 'an access token minted during the race');
      }
      for (const service of both()) assert.equal((await call(service.url, 'POST', '/v1/token', { token: sessionToken })).status, 401);
    }
  });

  test('a password change racing with logins leaves only the changer\'s session alive', async () => {
    for (let round = 0; round < 5; round++) {
      const account = await createAccount(a.url);
      const others = await loginMany(account, 3);
      for (const token of others) assert.equal(await sessionStatus(b, token), 200, 'cached on B');
      const newPassword = strongPassword();

      const logins = Array.from({ length: 6 }, (_, i) => call(either(i).url, 'POST', '/v1/login', { body: { email: account.email, password: account.password } }));
      const checks = others.flatMap((token) => both().map((service) => call(service.url, 'GET', '/v1/session', { token })));
      const change = call(either(round).url, 'POST', '/v1/password', {
        token: account.sessionToken,
        body: { currentPassword: account.password, newPassword },
      });
      const [loginReplies, checkReplies, changeReply] = await Promise.all([Promise.all(logins), Promise.all(checks), change]);

      assert.equal(changeReply.status, 204, changeReply.text);
      assertOnly([...loginReplies, ...checkReplies], [200, 401]);
      const raced = loginReplies.filter((reply) => reply.status === 200).map((reply) => reply.body.sessionToken as string);
      for (const token of [...others, ...raced]) await assertRefusedEverywhere(token, 'a session other than the changer\'s');
      for (const service of both()) assert.equal(await sessionStatus(service, account.sessionToken), 200, 'the changer keeps theirs');
      assert.equal((await call(b.url, 'POST', '/v1/login', { body: { email: account.email, password: account.password } })).status, 401);
      assert.equal((await call(a.url, 'POST', '/v1/login', { body: { email: account.email, password: newPassword } })).status, 200);
    }
  });

  test('two password changes at once: exactly one wins, and its password is the one in force', async () => {
    for (let round = 0; round < 4; round++) {
      const account = await createAccount(a.url);
      const [second] = await loginMany(account, 1);
      const passwords = [strongPassword(), strongPassword()];
      const replies = await Promise.all(
        [account.sessionToken, second!].map((token, i) =>
          call(either(i).url, 'POST', '/v1/password', { token, body: { currentPassword: account.password, newPassword: passwords[i] } }),
        ),
      );
      const won = replies.findIndex((reply) => reply.status === 204);
      assert.ok(won >= 0, replies.map((reply) => reply.text).join('\n'));
      const lost = 1 - won;
      assert.equal(replies[lost]!.status, 401, `the other change is refused: ${replies[lost]!.text}`);
      assert.equal((await call(a.url, 'POST', '/v1/login', { body: { email: account.email, password: passwords[won] } })).status, 200);
      for (const password of [account.password, passwords[lost]]) {
        assert.equal((await call(b.url, 'POST', '/v1/login', { body: { email: account.email, password } })).status, 401);
      }
    }
  });

  async function loginMany(account: Account, count: number): Promise<string[]> {
    const tokens = [];
    for (let i = 0; i < count; i++) {
      const reply = await call(either(i).url, 'POST', '/v1/login', { body: { email: account.email, password: account.password } });
      assert.equal(reply.status, 200);
      tokens.push(reply.body.sessionToken as string);
    }
    return tokens;
  }
});

describe('races on one SQLite instance', () => {
  let service: RunningService;
  before(async () => (service = await startService('sqlite', { env: ROOMY_LOCKOUT })));
  after(() => service.stop());

  test('one address registered 50 times at once, in many forms: one 201, 49 409', async () => {
    const forms = EMAIL_FORMS.map((form) => emailInForm(`racer.${Date.now().toString(36)}@example.test`, form));
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(service.url, 'POST', '/v1/register', { body: { email: forms[i % forms.length], password: strongPassword() } })),
    );
    assert.deepEqual(replies.map((reply) => reply.status).sort(), [201, ...Array<number>(49).fill(409)]);
  });
});

function assertOnly(replies: Reply[], statuses: number[]): void {
  for (const reply of replies) assert.ok(statuses.includes(reply.status), `${reply.status}: ${reply.text}`);
}

async function countUsers(service: RunningService, email: string): Promise<number> {
  const client = new pg.Client({ connectionString: service.env.DATABASE_URL });
  await client.connect();
  try {
    return Number((await client.query('SELECT count(*) AS n FROM users WHERE email = $1', [email])).rows[0].n);
  } finally {
    await client.end();
  }
}
