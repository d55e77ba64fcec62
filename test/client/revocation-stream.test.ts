import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createVerifier, type Verifier } from '../../src/client/index.js';
import { SseParser, type ServerSentEvent } from '../../src/client/sse.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { TestClock } from '../helpers/clock.js';
import { strongPassword } from '../helpers/http.js';
import { startService, type RunningService } from '../helpers/service.js';
import { clientFor, FEED_ENV, FEED_TOKEN, JWT, logIn, ObservedFetch, signUp, waitFor } from './fixtures.js';

/**
 * The revocation feed end to end: a real service, a verifier subscribed to
 * it, and the time from a revocation to the verifier refusing the token.
 */
describe('revocation feed', () => {
  const clock = new TestClock();
  let service: RunningService;
  let observed: ObservedFetch;
  let verifier: Verifier;
  const open: Verifier[] = [];

  before(async () => {
    service = await startService('sqlite', { clock, env: FEED_ENV });
    // The instance's log vouches for revocations from its start: move past the replay margin.
    clock.advance(10_000);
    observed = new ObservedFetch();
    verifier = track(createVerifier({ baseUrl: service.url, ...JWT, revocations: { feedToken: FEED_TOKEN }, fetch: observed.fetch, now: () => clock.now() }));
    assert.equal(await verifier.ready(), true);
  });
  after(async () => {
    open.forEach((each) => each.close());
    await service.stop();
  });

  function track(created: Verifier): Verifier {
    open.push(created);
    return created;
  }

  describe('the endpoint', () => {
    test('refuses a missing or wrong feed token with 401 invalid_feed_token', async () => {
      for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${FEED_TOKEN}x`, FEED_TOKEN]) {
        const reply = await fetch(new URL('/v1/revocations', service.url), { headers: authorization ? { authorization } : {} });
        assert.equal(reply.status, 401);
        assert.equal(((await reply.json()) as { error: { code: string } }).error.code, 'invalid_feed_token');
      }
    });

    test('a feed token under 32 characters and a heartbeat out of 1s-30s are refused at start', () => {
      assert.throws(() => loadConfig({ ASTRAL_REVOCATION_FEED_TOKEN: 'short-token' }), (error: Error) =>
        error instanceof ConfigError && /ASTRAL_REVOCATION_FEED_TOKEN: expected at least 32 characters/.test(error.message));
      for (const heartbeat of ['500ms', '31s', 'often']) {
        assert.throws(() => loadConfig({ ASTRAL_REVOCATION_HEARTBEAT: heartbeat }), ConfigError);
      }
      assert.equal(loadConfig({ ASTRAL_REVOCATION_FEED_TOKEN: FEED_TOKEN }).revocationFeed.heartbeatMs, 5_000);
    });

    test('refuses everyone when no feed token is configured', async () => {
      const bare = await startService('sqlite');
      try {
        const reply = await fetch(new URL('/v1/revocations', bare.url), { headers: { authorization: 'Bearer anything-at-all' } });
        assert.equal(reply.status, 401);
      } finally {
        await bare.stop();
      }
    });

    test('streams hello, heartbeats with cursors, and revocations; replays from Last-Event-ID', async () => {
      const first = await openFeed(service.url);
      assert.equal(first.reply.status, 200);
      assert.match(first.reply.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.equal(first.reply.headers.get('cache-control'), 'no-store');
      const opening = await first.read((seen) => seen.some((event) => event.event === 'heartbeat'));
      first.close();
      const hello = JSON.parse(opening[0]!.data);
      assert.equal(opening[0]!.event, 'hello');
      assert.deepEqual({ ...hello, now: 0 }, { replay: 'partial', now: 0, accessTokenTtlMs: 300_000, heartbeatMs: 1_000 }, 'younger than a token lifetime: cannot vouch');
      const cursor = opening.find((event) => event.event === 'heartbeat')!.lastEventId;
      assert.match(cursor, /^\d+$/);

      const { login } = await signUp(clientFor(service.url));
      await clientFor(service.url).logout(login.sessionToken);
      const again = await openFeed(service.url, cursor);
      const replayed = await again.read((seen) => seen.some((event) => event.event === 'revocation'));
      again.close();
      assert.equal(JSON.parse(replayed[0]!.data).replay, 'complete');
      const revocation = JSON.parse(replayed.find((event) => event.event === 'revocation')!.data);
      assert.deepEqual(revocation, { kind: 'session', sessionId: login.session.id, userId: login.user.id, at: revocation.at });
    });
  });

  describe('the verifier', () => {
    test('refuses a logged-out session within a second (measured)', async (t) => {
      const client = clientFor(service.url);
      const delays: number[] = [];
      for (let run = 0; run < 5; run++) {
        const { login } = await signUp(client);
        assert.ok((await verifier.verify(login.accessToken)).ok);
        const checksBefore = observed.sessionChecks;

        const started = performance.now();
        const logout = client.logout(login.sessionToken);
        let refused = false;
        while (!refused && performance.now() - started < 2_000) {
          const checked = await verifier.verify(login.accessToken);
          refused = !checked.ok && checked.error.code === 'token_revoked';
          if (!refused) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        delays.push(performance.now() - started);
        assert.ok((await logout).ok);
        assert.equal(refused, true);
        assert.equal(observed.sessionChecks, checksBefore, 'judged from the stream, not by asking the service');
      }
      const sorted = [...delays].sort((a, b) => a - b);
      t.diagnostic(`revocation -> verifier refuses: median ${sorted[2]!.toFixed(1)} ms, max ${sorted[4]!.toFixed(1)} ms (5 runs, from the logout request)`);
      assert.ok(sorted[4]! < 1_000, `slowest ${sorted[4]} ms`);
    });

    test('logout-all refuses every session of the user; password change keeps the caller', async () => {
      const client = clientFor(service.url);
      const { email, password, login } = await signUp(client);
      const second = await logIn(client, email, password);
      clock.advance(3_000);
      const third = await logIn(client, email, password);

      const newPassword = strongPassword();
      assert.ok((await client.changePassword({ currentPassword: password, newPassword }, third.sessionToken)).ok);
      await waitFor(() => verifierRefuses(login.accessToken));
      assert.ok(await verifierRefuses(second.accessToken));
      assert.ok((await verifier.verify(third.accessToken)).ok, 'the session that changed the password stays');

      clock.advance(3_000);
      const minted = await client.token(third.sessionToken);
      assert.ok(minted.ok);
      assert.ok((await verifier.verify(minted.data.accessToken)).ok);
      assert.ok((await client.logoutAll(third.sessionToken)).ok);
      await waitFor(() => verifierRefuses(minted.data.accessToken));

      clock.advance(3_000);
      const fresh = await logIn(client, email, newPassword);
      assert.ok((await verifier.verify(fresh.accessToken)).ok, 'a login after logout-all is not caught by it');
    });

    test('a token issued in the same second as a user revocation is checked once with the service, then trusted', async () => {
      const client = clientFor(service.url);
      const { email, password, login } = await signUp(client);
      assert.ok((await client.logoutAll(login.sessionToken)).ok);
      const again = await logIn(client, email, password);
      await waitFor(() => verifierRefuses(login.accessToken));

      const checksBefore = observed.sessionChecks;
      assert.ok((await verifier.verify(again.accessToken)).ok);
      assert.ok((await verifier.verify(again.accessToken)).ok);
      assert.equal(observed.sessionChecks, checksBefore + 1);
    });

    test('a revocation made while the stream was cut is replayed on reconnection', async () => {
      const client = clientFor(service.url);
      const { login } = await signUp(client);
      assert.ok((await verifier.verify(login.accessToken)).ok);
      const connections = observed.streamConnections;

      observed.cut(true);
      await waitFor(() => !verifier.streamLive);
      assert.ok((await client.logout(login.sessionToken)).ok);
      const whileDown = await verifier.verify(login.accessToken);
      assert.equal(!whileDown.ok && whileDown.error.code, 'token_revoked', 'while down, the service is asked');

      observed.resume();
      assert.equal(await verifier.ready(), true);
      assert.equal(observed.streamConnections, connections + 1);
      const checksBefore = observed.sessionChecks;
      const replayed = await verifier.verify(login.accessToken);
      assert.equal(!replayed.ok && replayed.error.code, 'token_revoked');
      assert.equal(observed.sessionChecks, checksBefore, 'known from the replay');
    });

    test('a verifier that cannot be told of revocations asks the service, or refuses with whenDown: reject', async () => {
      const client = clientFor(service.url);
      const { login } = await signUp(client);
      const counting = new ObservedFetch();
      const wrongToken = { feedToken: 'not-the-feed-token-not-the-feed-token' };
      const asking = track(createVerifier({ baseUrl: service.url, ...JWT, revocations: wrongToken, fetch: counting.fetch, now: () => clock.now() }));
      const refusing = track(createVerifier({ baseUrl: service.url, ...JWT, revocations: { ...wrongToken, whenDown: 'reject' }, now: () => clock.now() }));
      assert.equal(await asking.ready(300), false);

      assert.ok((await asking.verify(login.accessToken)).ok);
      assert.equal(counting.sessionChecks, 1);
      const refused = await refusing.verify(login.accessToken);
      assert.equal(!refused.ok && refused.error.code, 'revocation_unavailable');
      assert.equal(!refused.ok && refused.error.status, 503);

      await client.logout(login.sessionToken);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const afterLogout = await asking.verify(login.accessToken);
      assert.equal(!afterLogout.ok && afterLogout.error.code, 'token_revoked', 'answers are reused for a second at most');
    });

    test('a verifier that starts on a fresh instance checks older tokens once each', async () => {
      const fresh = await startService('sqlite', { env: FEED_ENV });
      const counting = new ObservedFetch();
      try {
        const client = clientFor(fresh.url);
        const { login } = await signUp(client);
        const late = track(createVerifier({ baseUrl: fresh.url, ...JWT, revocations: { feedToken: FEED_TOKEN }, fetch: counting.fetch }));
        assert.equal(await late.ready(), true);
        assert.ok((await late.verify(login.accessToken)).ok);
        assert.ok((await late.verify(login.accessToken)).ok);
        assert.equal(counting.sessionChecks, 1, 'the instance could not vouch for earlier revocations: one check');
        late.close();
      } finally {
        await fresh.stop();
      }
    });

    test('fails closed when the service goes away', async () => {
      const doomed = await startService('sqlite', { env: FEED_ENV });
      const { login } = await signUp(clientFor(doomed.url));
      const lonely = track(createVerifier({ baseUrl: doomed.url, ...JWT, revocations: { feedToken: FEED_TOKEN, answerCacheMs: 0 } }));
      assert.equal(await lonely.ready(), true);
      assert.ok((await lonely.verify(login.accessToken)).ok);

      await doomed.stop();
      await waitFor(() => !lonely.streamLive);
      const checked = await lonely.verify(login.accessToken);
      assert.equal(!checked.ok && checked.error.code, 'revocation_unavailable');
      lonely.close();
    });
  });

  async function verifierRefuses(token: string): Promise<boolean> {
    const checked = await verifier.verify(token);
    return !checked.ok && checked.error.code === 'token_revoked';
  }
});

async function openFeed(url: string, lastEventId?: string) {
  const abort = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${FEED_TOKEN}` };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const reply = await fetch(new URL('/v1/revocations', url), { headers, signal: abort.signal });
  const parser = new SseParser();
  const reader = reply.body!.getReader();
  const decoder = new TextDecoder();
  const events: ServerSentEvent[] = [];
  return {
    reply,
    close: () => abort.abort(),
    async read(enough: (events: ServerSentEvent[]) => boolean): Promise<ServerSentEvent[]> {
      while (!enough(events)) {
        const { value, done } = await reader.read();
        if (done) break;
        events.push(...parser.push(decoder.decode(value, { stream: true })));
      }
      return events;
    },
  };
}
