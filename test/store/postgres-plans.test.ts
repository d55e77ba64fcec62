import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { HOT_QUERIES, PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { newSession, newUser } from './stores.js';

/**
 * The login lookup and the session lookups must stay single indexed point
 * reads as tables grow: these read PostgreSQL's chosen plans on a table big
 * enough, and analysed, for a sequential scan to be tempting if an index were
 * missing.
 */
let database: TestDatabase;
let store: PostgresStore;
let client: pg.Client;
let sample: { email: string; tokenHash: string; sessionId: string; userId: string };

before(async () => {
  database = await createTestDatabase('astral_plans');
  store = new PostgresStore({ url: database.url, poolMax: 2, connectTimeoutMs: 2000, statementTimeoutMs: 10000 });
  await store.migrate();
  const users = Array.from({ length: 5000 }, () => newUser());
  await store.importUsers(users);
  const sessions = users.slice(0, 2000).map((user) => newSession(user.id));
  for (const session of sessions) await store.createSession(session);
  const [user, session] = [users[1234]!, sessions[1234]!];
  sample = { email: user.email, tokenHash: session.tokenHash, sessionId: session.id, userId: user.id };
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('ANALYZE');
});

after(async () => {
  await client.end();
  await store.close();
  await database.drop();
});

async function planOf(sql: string, values: unknown[]): Promise<string> {
  const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, values);
  return JSON.stringify(rows[0]['QUERY PLAN']);
}

test('the login lookup reads the unique email index', async () => {
  const plan = await planOf(HOT_QUERIES.loginByEmail, [sample.email]);
  assert.match(plan, /"Index Name":"users_email_key"/);
  assert.doesNotMatch(plan, /Seq Scan/);
});

test('the session lookup by token hash reads two unique indexes', async () => {
  const plan = await planOf(HOT_QUERIES.sessionByTokenHash, [Buffer.from(sample.tokenHash, 'base64')]);
  assert.match(plan, /"Index Name":"sessions_token_hash_key"/);
  assert.match(plan, /"Index Name":"users_pkey"/);
  assert.doesNotMatch(plan, /Seq Scan/);
});

test('the session lookup by id reads the primary keys', async () => {
  const plan = await planOf(HOT_QUERIES.sessionById, [sample.sessionId]);
  assert.match(plan, /"Index Name":"sessions_pkey"/);
  assert.match(plan, /"Index Name":"users_pkey"/);
  assert.doesNotMatch(plan, /Seq Scan/);
});

test('ending all sessions of a user reads the user index', async () => {
  const plan = await planOf('DELETE FROM sessions WHERE "userId" = $1', [sample.userId]);
  assert.match(plan, /"Index Name":"sessions_user"/);
});
