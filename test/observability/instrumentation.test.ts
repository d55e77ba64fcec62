import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { Store } from '../../src/domain/ports.js';
import { createLogger } from '../../src/observability/logger.js';
import { Observability } from '../../src/observability/observability.js';
import { timeStore } from '../../src/observability/timed-store.js';

/** A stand-in store: a private helper, an accessor that must not be read, and calls that take a while. */
class SlowStore {
  readonly engine = 'sqlite' as const;
  readonly pool = { marker: 'pool' };
  calls: string[] = [];

  get hot(): never {
    throw new Error('the accessor was read');
  }

  async findLoginByEmail(email: string): Promise<string> {
    await this.wait(5);
    return `found ${email}`;
  }

  async createSession(id: string): Promise<void> {
    this.calls.push(id);
    await this.findLoginByEmail('inner@example.test');
  }

  async migrate(): Promise<string[]> {
    return ['1 initial'];
  }

  async close(): Promise<void> {
    this.calls.push('closed');
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function lines() {
  const kept: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      kept.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { kept, logger: createLogger('info', sink) };
}

describe('timeStore', () => {
  test('times each call under its method name, once, and passes values and results through', async () => {
    const store = new SlowStore();
    const timings: Array<[string, number]> = [];
    const timed = timeStore(store as unknown as Store, (name, ms) => timings.push([name, ms])) as unknown as SlowStore;
    assert.equal(await timed.findLoginByEmail('a@example.test'), 'found a@example.test');
    await timed.createSession('s1');
    assert.deepEqual(timings.map(([name]) => name), ['findLoginByEmail', 'createSession']);
    assert.ok(timings.every(([, ms]) => ms >= 4), JSON.stringify(timings));
    assert.deepEqual(store.calls, ['s1']);
  });

  test('leaves migrate and close untimed, and reads everything else through', async () => {
    const store = new SlowStore();
    const timings: string[] = [];
    const timed = timeStore(store as unknown as Store, (name) => timings.push(name)) as unknown as SlowStore;
    assert.equal(timed.engine, 'sqlite');
    assert.equal(timed.pool, store.pool);
    assert.deepEqual(await timed.migrate(), ['1 initial']);
    await timed.close();
    assert.deepEqual(store.calls, ['closed']);
    assert.deepEqual(timings, []);
  });

  test('a failing call is timed too, and its error passes through', async () => {
    const failing = { async ping() { throw new Error('down'); } };
    const timings: string[] = [];
    const timed = timeStore(failing as unknown as Store, (name) => timings.push(name));
    await assert.rejects(timed.ping(), /down/);
    assert.deepEqual(timings, ['ping']);
  });
});

describe('slow queries', () => {
  test('are logged at warn with the method name and time, never the values', async () => {
    const { kept, logger } = lines();
    const config = loadConfig({ ASTRAL_LOG_SLOW_QUERY: '2ms', ASTRAL_METRICS: 'false' });
    const observability = new Observability(config, logger);
    const store = observability.instrumentStore(new SlowStore() as unknown as Store) as unknown as SlowStore;
    await store.findLoginByEmail('secret.person@example.test');
    observability.close();
    assert.equal(kept.length, 1);
    assert.equal(kept[0]!.msg, 'slow query');
    assert.equal(kept[0]!.level, 40);
    assert.equal(kept[0]!.query, 'findLoginByEmail');
    assert.ok(Number(kept[0]!.ms) >= 2);
    assert.ok(!JSON.stringify(kept).includes('secret.person'));
  });

  test('with metrics off and ASTRAL_LOG_SLOW_QUERY=0 the store is left as it is', () => {
    const { logger } = lines();
    const observability = new Observability(loadConfig({ ASTRAL_LOG_SLOW_QUERY: '0', ASTRAL_METRICS: 'false' }), logger);
    const store = new SlowStore() as unknown as Store;
    assert.equal(observability.instrumentStore(store), store);
    assert.equal(observability.monitor, null);
  });
});
