import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Unavailable } from '../../src/domain/errors.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { newSession, newUser } from './stores.js';

/**
 * Regression: a database that stops answering on open connections (a stall,
 * a partition) hung every request for as long as the operating system kept
 * the connection, since statement_timeout is the server's to send. Each query
 * now gives up on its own, as `Unavailable`, and the stalled connection is not
 * reused once the database answers again.
 */
let database: TestDatabase;
let proxy: TcpProxy;
let store: PostgresStore;

before(async () => {
  database = await createTestDatabase('astral_stall');
  const url = new URL(database.url);
  proxy = await TcpProxy.start(Number(url.port || 5432));
  url.port = String(proxy.port);
  store = new PostgresStore({ url: url.toString(), poolMax: 2, connectTimeoutMs: 500, statementTimeoutMs: 500 });
  await store.migrate();
});
after(async () => {
  proxy.thaw();
  await store.close();
  await proxy.close();
  await database.drop();
});

test('a stalled database fails queries and transactions as Unavailable instead of hanging', async () => {
  const user = newUser();
  await store.createUser(user);
  await store.createSession(newSession(user.id, Date.now()));

  proxy.freeze();
  try {
    await assert.rejects(store.ping(), Unavailable);
    await assert.rejects(store.findLoginById(user.id), Unavailable);
    await assert.rejects(store.changePassword({ userId: user.id, previousHash: user.hashedPassword!, hashedPassword: 'x', updatedAt: Date.now(), keepSessionId: null }), Unavailable);
  } finally {
    proxy.thaw();
  }

  await store.ping();
  assert.equal((await store.findLoginById(user.id))?.user.id, user.id, 'stalled connections were replaced');
  assert.equal(store.pool.totalCount <= 2, true);
});
