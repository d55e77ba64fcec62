import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SessionL1 } from '../../src/cache/session-l1.js';
import type { SessionView } from '../../src/domain/ports.js';
import type { PublicUser } from '../../src/domain/users.js';
import { TestClock } from '../helpers/clock.js';

const T0 = 1_790_000_000_000;

function user(id: string, overrides: Partial<PublicUser> = {}): PublicUser {
  return {
    id,
    email: `${id}@example.test`,
    name: `Name of ${id}`,
    image: `https://images.example.test/${id}.png`,
    role: 'user',
    teamName: 'Team',
    emailVerifiedAt: T0 - 5_000,
    createdAt: T0 - 10_000,
    updatedAt: T0 - 1_000,
    ...overrides,
  };
}

function view(id: string, owner: PublicUser, overrides: Partial<SessionView> = {}): SessionView {
  return {
    id,
    tokenHash: `hash-of-${id}`,
    userId: owner.id,
    createdAt: T0,
    expiresAt: T0 + 86_400_000,
    lastSeenAt: T0,
    ip: '192.0.2.7',
    userAgent: 'Mozilla/5.0 (test)',
    stepUpRequired: false,
    user: owner,
    userDisabled: false,
    ...overrides,
  };
}

describe('session L1', () => {
  test('finds a session by token hash and by id, as it was cached', () => {
    const l1 = new SessionL1(10, 60_000, new TestClock(T0));
    const cached = view('s1', user('u1'));
    l1.set(cached);
    assert.equal(l1.size, 1);
    assert.equal(l1.getByHash('hash-of-s1'), cached, 'a view just cached is the same object');
    assert.equal(l1.getById('s1'), cached);
    assert.equal(l1.getByHash('hash-of-s2'), undefined);
    assert.equal(l1.getById('s2'), undefined);
  });

  test('a view rebuilt from the columns equals the one cached, nulls and odd text included', () => {
    const clock = new TestClock(T0);
    const l1 = new SessionL1(60_000, 60_000, clock);
    const plain = view('plain', user('u1'), { stepUpRequired: true, userDisabled: true, lastSeenAt: T0 + 123 });
    const nulls = view('nulls', user('u2', { name: null, image: null, teamName: null, emailVerifiedAt: null }), { ip: null, userAgent: null });
    const odd = view('odd', user('u3', { name: 'a\u0000b', teamName: '', image: '' }), { ip: '2001:db8::1' });
    for (const cached of [plain, nulls, odd]) l1.set(cached);
    // Enough later sessions that the first ones are no longer kept whole.
    for (let i = 0; i < 50_000; i++) l1.set(view(`filler-${i}`, user(`filler-user-${i % 7}`)));
    for (const cached of [plain, nulls, odd]) {
      const rebuilt = l1.getById(cached.id);
      assert.notEqual(rebuilt, cached, 'rebuilt, not kept');
      assert.deepEqual(rebuilt, cached);
      assert.equal(l1.getByHash(cached.tokenHash), rebuilt, 'and kept whole once rebuilt');
    }
  });

  test('the sessions of one user share its record, and a differing copy of the user stays its own', () => {
    const before = user('u1');
    const renamed = user('u1', { name: 'New name', updatedAt: T0 });
    const rebuilt = new SessionL1(60_000, 60_000, new TestClock(T0));
    rebuilt.set(view('a', before));
    rebuilt.set(view('b', { ...before }));
    rebuilt.set(view('c', renamed));
    rebuilt.set(view('d', user('u1', { role: 'admin' }), { userDisabled: true }));
    for (let i = 0; i < 50_000; i++) rebuilt.set(view(`filler-${i}`, user('filler')));
    assert.deepEqual(rebuilt.getById('a')?.user, before);
    assert.deepEqual(rebuilt.getById('b')?.user, before);
    assert.deepEqual(rebuilt.getById('c')?.user, renamed);
    assert.equal(rebuilt.getById('d')?.user.role, 'admin');
    assert.equal(rebuilt.getById('d')?.userDisabled, true);
    assert.equal(rebuilt.getById('a')?.userDisabled, false);
    rebuilt.deleteUser('u1');
    for (const id of ['a', 'b', 'c', 'd']) assert.equal(rebuilt.getById(id), undefined);
    assert.equal(rebuilt.size, 50_000);
  });

  test('entries older than the TTL are gone, and a shorter trust is honoured', () => {
    const clock = new TestClock(T0);
    const l1 = new SessionL1(10, 60_000, clock);
    l1.set(view('s1', user('u1')));
    clock.advance(2_000);
    assert.ok(l1.getByHash('hash-of-s1', 2_000), 'exactly the trusted age is still trusted');
    clock.advance(1);
    assert.equal(l1.getByHash('hash-of-s1', 2_000), undefined, 'older than the degraded trust');
    assert.ok(l1.getByHash('hash-of-s1'), 'but kept, within the TTL');
    clock.advance(58_000);
    assert.equal(l1.getById('s1'), undefined);
    assert.equal(l1.size, 0, 'an expired entry read is dropped');
  });

  test('a replaced view keeps the age of the first', () => {
    const clock = new TestClock(T0);
    const l1 = new SessionL1(10, 60_000, clock);
    const first = view('s1', user('u1'));
    l1.set(first);
    clock.advance(59_000);
    const touched = { ...first, lastSeenAt: T0 + 59_000 };
    l1.replace(touched);
    assert.equal(l1.getById('s1'), touched);
    clock.advance(1_001);
    assert.equal(l1.getById('s1'), undefined, 'expired at the first view\'s age');
    l1.replace(view('s9', user('u9')));
    assert.equal(l1.size, 0, 'replacing what is not cached caches nothing');
  });

  test('the LRU bound evicts the least recently used, from every index', () => {
    const l1 = new SessionL1(3, 60_000, new TestClock(T0));
    const owner = user('u1');
    l1.set(view('a', owner));
    l1.set(view('b', owner));
    l1.set(view('c', user('u2')));
    l1.getByHash('hash-of-a');
    l1.set(view('d', owner));
    assert.equal(l1.size, 3);
    assert.equal(l1.getById('b'), undefined);
    assert.equal(l1.getByHash('hash-of-b'), undefined);
    l1.deleteUser('u1', 'a');
    assert.ok(l1.getById('a'), 'the excepted session stays');
    assert.equal(l1.getById('d'), undefined);
    assert.ok(l1.getById('c'), 'another user is untouched');
    assert.equal(l1.size, 2);
  });

  test('caching a session again restarts its age and leaves one entry', () => {
    const clock = new TestClock(T0);
    const l1 = new SessionL1(10, 60_000, clock);
    l1.set(view('s1', user('u1')));
    clock.advance(50_000);
    l1.set(view('s1', user('u1', { name: 'Again' })));
    assert.equal(l1.size, 1);
    clock.advance(50_000);
    assert.equal(l1.getByHash('hash-of-s1')?.user.name, 'Again');
    l1.deleteUser('u1');
    assert.equal(l1.size, 0);
  });

  test('clear forgets everything', () => {
    const l1 = new SessionL1(10, 60_000, new TestClock(T0));
    l1.set(view('s1', user('u1')));
    l1.clear();
    assert.equal(l1.size, 0);
    assert.equal(l1.getById('s1'), undefined);
    l1.set(view('s2', user('u1')));
    assert.equal(l1.getById('s2')?.id, 's2');
  });

  test('its indexes stay exact through growth, eviction and deletion of thousands of sessions', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % n;
    };
    const clock = new TestClock(T0);
    const l1 = new SessionL1(3_000, 60_000, clock);
    const users = Array.from({ length: 700 }, (_, i) => user(`user-${i}`));
    const model = new Map<string, string>();
    for (let step = 0; step < 60_000; step++) {
      const id = `session-${random(5_000)}`;
      const roll = random(100);
      if (roll < 45) {
        const owner = users[random(users.length)]!;
        l1.set(view(id, owner));
        model.delete(id);
        if (model.size >= 3_000) model.delete(model.keys().next().value!);
        model.set(id, owner.id);
      } else if (roll < 80) {
        const found = l1.getById(id);
        const expected = model.get(id);
        assert.equal(found?.userId, expected, `${id} at step ${step}`);
        assert.equal(l1.getByHash(`hash-of-${id}`)?.id, expected === undefined ? undefined : id);
        if (expected !== undefined) {
          model.delete(id);
          model.set(id, expected);
        }
      } else if (roll < 95) {
        l1.deleteSession(id);
        model.delete(id);
      } else {
        const userId = `user-${random(users.length)}`;
        l1.deleteUser(userId);
        for (const [key, owner] of model) if (owner === userId) model.delete(key);
      }
      assert.equal(l1.size, model.size);
    }
    for (const [id, owner] of model) assert.equal(l1.getById(id)?.user.id, owner);
  });

  test('behaves as a plain LRU map with a TTL, under any sequence of operations', () => {
    const users = [user('u1'), user('u2', { name: null, teamName: null }), user('u1', { updatedAt: T0, name: 'Renamed' })];
    const sessionIds = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const pick = <T>(items: readonly T[]) => fc.nat(items.length - 1).map((i) => items[i]!);
    const operation = fc.oneof(
      fc.record({ op: fc.constant('set' as const), id: pick(sessionIds), owner: fc.nat(2), seen: fc.nat(50) }),
      fc.record({ op: fc.constant('replace' as const), id: pick(sessionIds), owner: fc.nat(2), seen: fc.nat(50) }),
      fc.record({ op: fc.constant('getByHash' as const), id: pick(sessionIds), maxAge: fc.constantFrom(undefined, 10, 100) }),
      fc.record({ op: fc.constant('getById' as const), id: pick(sessionIds), maxAge: fc.constantFrom(undefined, 10, 100) }),
      fc.record({ op: fc.constant('deleteSession' as const), id: pick(sessionIds) }),
      fc.record({ op: fc.constant('deleteUser' as const), userId: pick(['u1', 'u2']), except: fc.option(pick(sessionIds)) }),
      fc.record({ op: fc.constant('advance' as const), ms: fc.nat(80) }),
      fc.record({ op: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const ttl = 100;
        const clock = new TestClock(T0);
        const l1 = new SessionL1(4, ttl, clock);
        const model = new Map<string, { view: SessionView; at: number }>();
        const modelRead = (found: [string, { view: SessionView; at: number }] | undefined, maxAge = ttl) => {
          if (!found) return undefined;
          const [key, entry] = found;
          if (clock.now() - entry.at > ttl) {
            model.delete(key);
            return undefined;
          }
          model.delete(key);
          model.set(key, entry);
          return maxAge < ttl && clock.now() - entry.at > maxAge ? undefined : entry.view;
        };
        const byId = (id: string) => [...model].find(([, entry]) => entry.view.id === id);
        const sessionOf = (id: string, owner: number, seen: number) => {
          const u = users[owner]!;
          return view(id, u, { userId: u.id, lastSeenAt: T0 + seen, stepUpRequired: seen % 2 === 0, userDisabled: seen % 5 === 0 });
        };
        for (const step of operations) {
          switch (step.op) {
            case 'set': {
              const next = sessionOf(step.id, step.owner, step.seen);
              l1.set(next);
              model.delete(next.tokenHash);
              if (model.size >= 4) model.delete(model.keys().next().value!);
              model.set(next.tokenHash, { view: next, at: clock.now() });
              break;
            }
            case 'replace': {
              const next = sessionOf(step.id, step.owner, step.seen);
              l1.replace(next);
              const entry = model.get(next.tokenHash);
              if (entry && clock.now() - entry.at <= ttl) {
                model.delete(next.tokenHash);
                model.set(next.tokenHash, { view: next, at: entry.at });
              }
              break;
            }
            case 'getByHash': {
              const key = `hash-of-${step.id}`;
              const entry = model.get(key);
              assert.deepEqual(l1.getByHash(key, step.maxAge), modelRead(entry && [key, entry], step.maxAge));
              break;
            }
            case 'getById':
              assert.deepEqual(l1.getById(step.id, step.maxAge), modelRead(byId(step.id), step.maxAge));
              break;
            case 'deleteSession':
              l1.deleteSession(step.id);
              model.delete(`hash-of-${step.id}`);
              break;
            case 'deleteUser':
              l1.deleteUser(step.userId, step.except);
              for (const [key, entry] of model) if (entry.view.userId === step.userId && entry.view.id !== step.except) model.delete(key);
              break;
            case 'advance':
              clock.advance(step.ms);
              break;
            case 'clear':
              l1.clear();
              model.clear();
              break;
          }
          assert.equal(l1.size, model.size);
        }
      }),
      { numRuns: 500 },
    );
  });
});
