import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Argon2Hasher } from '../../src/passwords/hasher.js';
import { WorkQueue } from '../../src/passwords/work-queue.js';
import {
  ARGON2_PASSWORD,
  ARGON2I_CURRENT_COST,
  ARGON2ID_CURRENT,
  ARGON2ID_OTHER_COST,
  BCRYPT_72_A,
  BCRYPT_72_BYTES_ACCENTED,
  BCRYPT_VECTORS,
} from './vectors.js';

const PARAMS = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
let hasher: Argon2Hasher;
let queue: WorkQueue;

before(async () => {
  queue = new WorkQueue(2, 16);
  hasher = await Argon2Hasher.create(PARAMS, queue);
});

describe('argon2id', () => {
  test('verifies a PHC string made by the reference argon2 CLI', async () => {
    assert.equal(await hasher.verify(ARGON2ID_CURRENT, ARGON2_PASSWORD), true);
  });

  test('refuses a wrong password against it', async () => {
    assert.equal(await hasher.verify(ARGON2ID_CURRENT, 'correct horse battery stapler'), false);
    assert.equal(await hasher.verify(ARGON2ID_CURRENT, 'Correct horse battery staple'), false);
    assert.equal(await hasher.verify(ARGON2ID_CURRENT, ''), false);
  });

  test('verifies hashes at another cost and of argon2i', async () => {
    assert.equal(await hasher.verify(ARGON2ID_OTHER_COST, ARGON2_PASSWORD), true);
    assert.equal(await hasher.verify(ARGON2I_CURRENT_COST, ARGON2_PASSWORD), true);
  });

  test('hashes as argon2id at the configured cost, with a fresh salt each time', async () => {
    const first = await hasher.hash('plum orbit yak seven');
    const second = await hasher.hash('plum orbit yak seven');
    assert.match(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(first, second);
    assert.equal(await hasher.verify(first, 'plum orbit yak seven'), true);
    assert.equal(await hasher.verify(first, 'plum orbit yak seve'), false);
  });
});

describe('bcrypt', () => {
  for (const vector of BCRYPT_VECTORS) {
    test(`verifies a ${vector.prefix} hash made by libxcrypt ("${vector.password}")`, async () => {
      assert.equal(await hasher.verify(vector.hash, vector.password), true);
    });

    test(`refuses a wrong password against the ${vector.prefix} hash ("${vector.password}")`, async () => {
      assert.equal(await hasher.verify(vector.hash, `${vector.password}x`), false);
      assert.equal(await hasher.verify(vector.hash, vector.password.slice(0, -1)), false);
    });
  }

  test('a password of exactly 72 bytes verifies', async () => {
    assert.equal(await hasher.verify(BCRYPT_72_A, 'a'.repeat(72)), true);
    assert.equal(await hasher.verify(BCRYPT_72_BYTES_ACCENTED, '\u00E9'.repeat(36)), true);
  });

  test('R06: a password past 72 bytes never verifies, though bcrypt would match its first 72', async () => {
    assert.equal(await hasher.verify(BCRYPT_72_A, `${'a'.repeat(72)}XYZ`), false);
    assert.equal(await hasher.verify(BCRYPT_72_A, 'a'.repeat(73)), false);
  });

  test('R06: the 72-byte limit counts UTF-8 bytes, not characters', async () => {
    const seventyThreeBytes = `${'\u00E9'.repeat(36)}x`; // 37 characters
    assert.equal(await hasher.verify(BCRYPT_72_BYTES_ACCENTED, seventyThreeBytes), false);
  });

  test('R06: a password holding NUL never verifies, though C bcrypt stops reading there', async () => {
    assert.equal(await hasher.verify(BCRYPT_VECTORS[0].hash, 'U*U\0'), false);
    assert.equal(await hasher.verify(BCRYPT_VECTORS[0].hash, 'U*U\0anything'), false);
  });
});

describe('needsRehash', () => {
  test('false for argon2id at the current cost, made elsewhere or here', async () => {
    assert.equal(hasher.needsRehash(ARGON2ID_CURRENT), false);
    assert.equal(hasher.needsRehash(await hasher.hash('plum orbit yak seven')), false);
  });

  test('true for argon2id at another cost', () => {
    assert.equal(hasher.needsRehash(ARGON2ID_OTHER_COST), true);
    assert.equal(hasher.needsRehash(ARGON2ID_CURRENT.replace('t=2', 't=3')), true);
    assert.equal(hasher.needsRehash(ARGON2ID_CURRENT.replace('m=19456', 'm=19457')), true);
    assert.equal(hasher.needsRehash(ARGON2ID_CURRENT.replace('p=1', 'p=2')), true);
  });

  test('true for argon2i at the current cost', () => {
    assert.equal(hasher.needsRehash(ARGON2I_CURRENT_COST), true);
  });

  test('true for every bcrypt hash', () => {
    for (const vector of BCRYPT_VECTORS) assert.equal(hasher.needsRehash(vector.hash), true, vector.prefix);
  });

  test('true, without throwing, for malformed and unknown hashes', () => {
    for (const bad of ['', 'hunter2', '$argon2id$v=19$m=19456,t=2,p=1$YQ$YQ', '$argon2id$v=19$m=19456,t=2,p=1$%%%$abc']) {
      assert.equal(hasher.needsRehash(bad), true, bad);
    }
  });
});

describe('malformed hashes: false, never a throw', () => {
  const malformed: Array<[string, string]> = [
    ['empty', ''],
    ['plain text', 'hunter2'],
    ['argon2 with a 3-byte salt', '$argon2id$v=19$m=19456,t=2,p=1$YXN0$YQ'],
    ['argon2 with memory below the minimum', '$argon2id$v=19$m=1,t=1,p=1$YXN0cmFsLXZlY3Rvci1zYWx0$YWJj'],
    ['argon2 with an unknown version', ARGON2ID_CURRENT.replace('v=19', 'v=99')],
    ['argon2 with zero lanes', ARGON2ID_CURRENT.replace('p=1', 'p=0')],
    ['argon2 with zero passes', ARGON2ID_CURRENT.replace('t=2', 't=0')],
    ['argon2 with memory past 32 bits', ARGON2ID_CURRENT.replace('m=19456', 'm=99999999999999')],
    ['argon2 with a truncated hash', ARGON2ID_CURRENT.slice(0, -10)],
    ['bcrypt cost 03', BCRYPT_VECTORS[1].hash.replace('$04$', '$03$')],
    ['bcrypt $2x$', BCRYPT_VECTORS[1].hash.replace('$2b$', '$2x$')],
    ['bcrypt one character short', BCRYPT_VECTORS[1].hash.slice(0, -1)],
  ];

  for (const [name, hash] of malformed) {
    test(name, async () => {
      assert.equal(await hasher.verify(hash, ARGON2_PASSWORD), false);
    });
  }
});

describe('verifyDummy and the queue', () => {
  test('verifyDummy returns false, for any password', async () => {
    assert.equal(await hasher.verifyDummy(ARGON2_PASSWORD), false);
    assert.equal(await hasher.verifyDummy(''), false);
  });

  test('every verification, dummy included, runs through the work queue', async () => {
    assert.equal(queue.depth, 0);
    const pending = [
      hasher.verify(ARGON2ID_CURRENT, ARGON2_PASSWORD),
      hasher.verify(BCRYPT_VECTORS[1].hash, BCRYPT_VECTORS[1].password),
      hasher.verifyDummy('x'),
    ];
    assert.equal(queue.depth, 3);
    assert.deepEqual(await Promise.all(pending), [true, true, false]);
    assert.equal(queue.depth, 0);
  });

  test('a full queue rejects a verification with overloaded', async () => {
    const tiny = await Argon2Hasher.create(PARAMS, new WorkQueue(1, 0));
    const first = tiny.verify(ARGON2ID_CURRENT, ARGON2_PASSWORD);
    await assert.rejects(tiny.verify(ARGON2ID_CURRENT, ARGON2_PASSWORD), { code: 'overloaded' });
    assert.equal(await first, true);
  });
});

describe('regressions', () => {
  test('an argon2id hash of the old version 0x10 is upgraded', () => {
    const v16 = '$argon2id$v=16$m=19456,t=2,p=1$YXN0cmFsLXZlY3Rvci1zYWx0$ToUBeqBGoy/DsSQEgsq6qQKDikCF1MrvFB6/UK1xExg';
    assert.equal(hasher.needsRehash(v16), true);
  });
});
