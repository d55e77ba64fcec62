import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEvent } from '../../src/domain/audit.js';
import { AuditWriter } from '../../src/service/audit-writer.js';

const event = (reason: string): AuditEvent => ({
  at: 0, type: 'login', outcome: 'failure', reason, actor: null, userId: null, sessionId: null, ip: '192.0.2.1', userAgent: 'agent\u0000\nwith controls',
});

/** A store that fails while `down` is set and keeps what it was given. */
function flakyStore() {
  const written: AuditEvent[] = [];
  const store = {
    down: false,
    written,
    async appendAuditEvents(events: readonly AuditEvent[]) {
      if (store.down) throw new Error('database away');
      written.push(...events);
    },
  };
  return store;
}

describe('audit writer', () => {
  test('a failed batch is kept and written with the next one; nothing is dropped', async () => {
    const store = flakyStore();
    const errors: number[] = [];
    const writer = new AuditWriter(store, 100, 60_000, (_error, queued) => errors.push(queued));
    store.down = true;
    writer.record(event('a'));
    writer.record(event('b'));
    await assert.rejects(writer.flush(), /database away/);
    assert.deepEqual(errors, [2]);
    store.down = false;
    writer.record(event('c'));
    await writer.close();
    assert.deepEqual(store.written.map((e) => e.reason), ['a', 'b', 'c']);
  });

  test('recordNow resolves once written, and rejects when its batch could not be', async () => {
    const store = flakyStore();
    const writer = new AuditWriter(store, 100, 60_000, () => undefined);
    await writer.recordNow(event('now'));
    assert.equal(store.written.length, 1);
    store.down = true;
    await assert.rejects(writer.recordNow(event('later')));
    assert.equal(writer.queued, 1);
    store.down = false;
    await writer.close();
    assert.deepEqual(store.written.map((e) => e.reason), ['now', 'later']);
  });

  test('user agents are stored without control characters', async () => {
    const store = flakyStore();
    const writer = new AuditWriter(store, 100, 60_000, () => undefined);
    await writer.recordNow(event('ua'));
    assert.equal(store.written[0]!.userAgent, 'agent??with controls');
    await writer.close();
  });
});
