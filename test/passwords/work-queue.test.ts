import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Overloaded } from '../../src/domain/errors.js';
import { WorkQueue } from '../../src/passwords/work-queue.js';

/** A job that finishes only when the test says so. */
function gate<T>(value: T) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, job: async () => (await opened, value) };
}

/** Lets every pending microtask and promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  test('runs a job and hands back its value', async () => {
    assert.equal(await new WorkQueue(1, 0).run(async () => 42), 42);
  });

  test('never runs more than `concurrency` jobs at once', async () => {
    const queue = new WorkQueue(3, 100);
    let running = 0;
    let peak = 0;
    const job = async () => {
      running++;
      peak = Math.max(peak, running);
      await settle();
      running--;
    };
    await Promise.all(Array.from({ length: 40 }, () => queue.run(job)));
    assert.equal(peak, 3);
    assert.equal(queue.depth, 0);
  });

  test('depth counts running and waiting jobs', async () => {
    const queue = new WorkQueue(2, 5);
    const gates = Array.from({ length: 4 }, (_, i) => gate(i));
    const results = gates.map((g) => queue.run(g.job));
    assert.equal(queue.depth, 4);
    for (const g of gates) g.open();
    assert.deepEqual(await Promise.all(results), [0, 1, 2, 3]);
    assert.equal(queue.depth, 0);
  });

  test('a job past the queue limit fails at once with Overloaded', async () => {
    const queue = new WorkQueue(1, 2);
    const gates = Array.from({ length: 3 }, (_, i) => gate(i)); // 1 running + 2 waiting
    const accepted = gates.map((g) => queue.run(g.job));

    let ran = false;
    const refused = queue.run(async () => (ran = true));
    await assert.rejects(refused, (error: unknown) => {
      assert.ok(error instanceof Overloaded);
      assert.equal(error.code, 'overloaded');
      assert.equal(error.retryAfterSeconds, 1);
      return true;
    });
    assert.equal(ran, false);
    assert.equal(queue.depth, 3, 'the refused job takes no place');

    for (const g of gates) g.open();
    assert.deepEqual(await Promise.all(accepted), [0, 1, 2]);
  });

  test('the refusal comes before any job finishes, not after a wait', async () => {
    const queue = new WorkQueue(1, 0);
    const blocker = gate('done');
    const running = queue.run(blocker.job);
    let outcome = 'pending';
    queue.run(async () => 'late').then(
      () => (outcome = 'ran'),
      () => (outcome = 'refused'),
    );
    await settle();
    assert.equal(outcome, 'refused');
    blocker.open();
    assert.equal(await running, 'done');
  });

  test('a queue limit of zero still runs `concurrency` jobs', async () => {
    const queue = new WorkQueue(2, 0);
    const a = gate('a');
    const b = gate('b');
    const running = [queue.run(a.job), queue.run(b.job)];
    await assert.rejects(queue.run(async () => 'c'), { code: 'overloaded' });
    a.open();
    b.open();
    assert.deepEqual(await Promise.all(running), ['a', 'b']);
  });

  test('waiting jobs start in arrival order', async () => {
    const queue = new WorkQueue(1, 10);
    const started: number[] = [];
    const blocker = gate(undefined);
    const first = queue.run(blocker.job);
    const rest = [1, 2, 3, 4, 5].map((n) => queue.run(async () => void started.push(n)));
    await settle();
    assert.deepEqual(started, []);
    blocker.open();
    await Promise.all([first, ...rest]);
    assert.deepEqual(started, [1, 2, 3, 4, 5]);
  });

  test('a failing job frees its slot and its error reaches the caller', async () => {
    const queue = new WorkQueue(1, 0);
    await assert.rejects(queue.run(async () => { throw new Error('boom'); }), /boom/);
    assert.equal(queue.depth, 0);
    assert.equal(await queue.run(async () => 'next'), 'next');
  });

  test('a job that throws before its first await frees its slot too', async () => {
    const queue = new WorkQueue(1, 0);
    const throwsAtOnce = (() => { throw new Error('sync'); }) as () => Promise<never>;
    await assert.rejects(queue.run(throwsAtOnce), /sync/);
    assert.equal(queue.depth, 0);
  });

  test('space freed by a finished job is given to a new one', async () => {
    const queue = new WorkQueue(1, 1);
    const a = gate('a');
    const runningA = queue.run(a.job);
    const waitingB = queue.run(async () => 'b');
    await assert.rejects(queue.run(async () => 'c'), { code: 'overloaded' });
    a.open();
    assert.deepEqual(await Promise.all([runningA, waitingB]), ['a', 'b']);
    assert.equal(await queue.run(async () => 'd'), 'd');
  });
});
