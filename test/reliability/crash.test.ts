import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { Load, waitFor, type Outcome } from '../helpers/load.js';
import { createDeployment, queryDeployment, ServiceProcess, type Deployment } from '../helpers/service-process.js';
import { ENGINES } from '../helpers/service.js';

/**
 * The service killed with SIGKILL in the middle of registrations, logins and
 * password changes, then started again on the same database: every write it
 * acknowledged is there and in force, nothing is half-written, and the
 * counts agree with what was asked and answered. Twice per engine, so the
 * second kill hits a service that has itself recovered from one.
 */
interface TrackedAccount {
  readonly email: string;
  /** The password in force, as far as the acknowledged answers tell. */
  password: string;
  /** Passwords replaced by an acknowledged change since the last check: each must fail from now on. */
  readonly replaced: string[];
  /** A change whose answer was lost: either this or `password` is in force, never both. */
  unsure?: string;
  sessionToken?: string;
  busy: boolean;
}

class Ledger {
  readonly accounts: TrackedAccount[] = [];
  registrationsAsked = 0;
  acknowledged = { registrations: 0, logins: 0, passwordChanges: 0 };

  /** An account no other request is using, marked busy until `done`. */
  take(filter: (account: TrackedAccount) => boolean): TrackedAccount | undefined {
    const candidates = this.accounts.filter((account) => !account.busy && account.unsure === undefined && filter(account));
    const account = candidates[Math.floor(Math.random() * candidates.length)];
    if (account) account.busy = true;
    return account;
  }
}

/** One request of the mix; a request that gets no answer leaves what it did unknown, never wrong. */
function writer(ledger: Ledger, base: () => string): () => Promise<Outcome> {
  return async () => {
    const roll = Math.random();
    if (roll < 0.4 || ledger.accounts.length < 4) return register(ledger, base());
    const account = roll < 0.75 ? ledger.take(() => true) : ledger.take((candidate) => candidate.sessionToken !== undefined);
    if (!account) return register(ledger, base());
    try {
      return account.sessionToken !== undefined && roll >= 0.75 ? await changePassword(ledger, base(), account) : await login(ledger, base(), account);
    } finally {
      account.busy = false;
    }
  };
}

async function register(ledger: Ledger, base: string): Promise<Outcome> {
  const email = uniqueEmail('crash');
  const password = strongPassword();
  ledger.registrationsAsked++;
  const reply = await call(base, 'POST', '/v1/register', { body: { email, password }, timeoutMs: 20_000 });
  if (reply.status === 201) {
    ledger.acknowledged.registrations++;
    ledger.accounts.push({ email, password, replaced: [], busy: false });
  }
  return { label: `register ${reply.status}`, expected: reply.status === 201 };
}

async function login(ledger: Ledger, base: string, account: TrackedAccount): Promise<Outcome> {
  const reply = await call(base, 'POST', '/v1/login', { body: { email: account.email, password: account.password }, timeoutMs: 20_000 });
  if (reply.status === 200) {
    ledger.acknowledged.logins++;
    account.sessionToken = reply.body.sessionToken;
  }
  return { label: `login ${reply.status}`, expected: reply.status === 200 };
}

async function changePassword(ledger: Ledger, base: string, account: TrackedAccount): Promise<Outcome> {
  const newPassword = strongPassword();
  account.unsure = newPassword;
  const reply = await call(base, 'POST', '/v1/password', {
    token: account.sessionToken,
    body: { currentPassword: account.password, newPassword },
    timeoutMs: 20_000,
  });
  if (reply.status === 204) {
    ledger.acknowledged.passwordChanges++;
    account.replaced.push(account.password);
    account.password = newPassword;
  }
  if (reply.status === 204 || reply.status === 401 || reply.status === 400) account.unsure = undefined;
  return { label: `password ${reply.status}`, expected: reply.status === 204 };
}

interface DatabaseFacts {
  readonly users: number;
  readonly usersWithoutPassword: number;
  readonly sessionsOfMissingUsers: number;
}

const FACTS_SQL = {
  users: 'SELECT count(*) AS n FROM users',
  usersWithoutPassword: 'SELECT count(*) AS n FROM users WHERE "hashedPassword" IS NULL OR "hashedPassword" = \'\'',
  sessionsOfMissingUsers: 'SELECT count(*) AS n FROM sessions s LEFT JOIN users u ON u.id = s."userId" WHERE u.id IS NULL',
};

async function databaseFacts(deployment: Deployment): Promise<DatabaseFacts> {
  const facts: Record<string, number> = {};
  for (const [key, sql] of Object.entries(FACTS_SQL)) facts[key] = Number((await queryDeployment<{ n: number | string }>(deployment, sql))[0]!.n);
  return facts as unknown as DatabaseFacts;
}

async function loginStatus(base: string, email: string, password: string): Promise<number> {
  return (await call(base, 'POST', '/v1/login', { body: { email, password }, timeoutMs: 20_000 })).status;
}

/** Every acknowledged write, checked against the restarted service. */
async function checkAcknowledged(base: string, ledger: Ledger): Promise<void> {
  for (const account of ledger.accounts) {
    if (account.unsure === undefined) {
      assert.equal(await loginStatus(base, account.email, account.password), 200, 'an acknowledged password works');
    } else {
      const [kept, changed] = [await loginStatus(base, account.email, account.password), await loginStatus(base, account.email, account.unsure)];
      assert.deepEqual([kept, changed].sort(), [200, 401], 'a change cut off by the kill left exactly one password in force');
      if (changed === 200) {
        account.replaced.push(account.password);
        account.password = account.unsure;
      }
      account.unsure = undefined;
    }
    for (const old of account.replaced) {
      assert.equal(await loginStatus(base, account.email, old), 401, 'a replaced password no longer works');
    }
    // Checked once: nothing but another change could bring an old password back.
    account.replaced.length = 0;
  }
}

for (const engine of ENGINES) {
  describe(`SIGKILL during writes on ${engine}`, () => {
    let deployment: Deployment | undefined;
    let service: ServiceProcess | undefined;
    after(async () => {
      await service?.kill();
      await deployment?.remove();
    });

    test('after each restart every acknowledged write is there and nothing is half-written', async () => {
      deployment = await createDeployment(engine);
      const ledger = new Ledger();
      for (let round = 1; round <= 2; round++) {
        service = await ServiceProcess.start(deployment.env);
        const current = service;
        const load = new Load(6, writer(ledger, () => current.url));
        const before = { ...ledger.acknowledged };
        await waitFor('writes acknowledged before the kill', () => {
          return ledger.acknowledged.registrations >= before.registrations + 10 && ledger.acknowledged.passwordChanges >= before.passwordChanges + 3;
        }, 120_000);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
        const exit = await current.kill();
        assert.equal(exit.signal, 'SIGKILL');
        await load.stop();

        service = await ServiceProcess.start(deployment.env);
        await checkAcknowledged(service.url, ledger);
        const facts = await databaseFacts(deployment);
        assert.equal(facts.usersWithoutPassword, 0, 'no user without a password');
        assert.equal(facts.sessionsOfMissingUsers, 0, 'no session of a missing user');
        assert.ok(facts.users >= ledger.acknowledged.registrations, `${facts.users} users, ${ledger.acknowledged.registrations} acknowledged`);
        assert.ok(facts.users <= ledger.registrationsAsked, `${facts.users} users, ${ledger.registrationsAsked} asked for`);
        process.stdout.write(`# ${engine} kill ${round}: ${JSON.stringify(ledger.acknowledged)} acknowledged, ${facts.users} users; ${load.summary()}\n`);
        await service.stop();
      }
    });
  });
}
