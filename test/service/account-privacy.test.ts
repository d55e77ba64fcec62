import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidCredentials } from '../../src/domain/errors.js';
import type { Revocation, SessionView } from '../../src/domain/ports.js';
import { AccountPrivacy } from '../../src/service/account-privacy.js';
import type { AuthService } from '../../src/service/auth-service.js';
import { TestClock } from '../helpers/clock.js';

/** The extension points another branch plugs into: exporters and erasers. */
function privacy(passwordOk: boolean, calls: string[]) {
  const auth = {
    async confirmPassword() {
      if (!passwordOk) throw new InvalidCredentials();
    },
  } as unknown as AuthService;
  const published: Revocation[] = [];
  const service = new AccountPrivacy({
    store: { deleteUser: async (id) => (calls.push(`delete ${id}`), true) },
    auth,
    revocations: { publish: async (r) => void published.push(r), subscribe: () => () => undefined },
    clock: new TestClock(1_000),
    exporters: [{ section: 'audit', collect: async (id) => [`event of ${id}`] }],
    erasers: [async (id, pseudonym) => void calls.push(`erase ${id} as ${pseudonym}`)],
    pseudonymize: (id) => `anon_${id.length}`,
  });
  return { service, published };
}

const view = { userId: 'u-1', id: 's-1' } as SessionView;
const context = { ip: '192.0.2.7', userAgent: 'test', deviceId: null };

test('exporters add their sections to the document', async () => {
  const document = await privacy(true, []).service.exportAccount(view);
  assert.deepEqual(document, { exportedAt: '1970-01-01T00:00:01.000Z', audit: ['event of u-1'] });
});

test('deletion revokes every session, then hands the pseudonym to each eraser', async () => {
  const calls: string[] = [];
  const { service, published } = privacy(true, calls);
  await service.deleteAccount(view, 'the password', context);
  assert.deepEqual(calls, ['delete u-1', 'erase u-1 as anon_3']);
  assert.deepEqual(published, [{ kind: 'user', userId: 'u-1', exceptSessionId: null, at: 1_000 }]);
});

test('a wrong password deletes nothing', async () => {
  const calls: string[] = [];
  await assert.rejects(privacy(false, calls).service.deleteAccount(view, 'wrong', context), InvalidCredentials);
  assert.deepEqual(calls, []);
});
