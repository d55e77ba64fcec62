import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as jose from 'jose';
import { createVerifier, type Verifier } from '../../src/client/index.js';
import { TestClock } from '../helpers/clock.js';
import { startService, type RunningService } from '../helpers/service.js';
import { clientFor, JWT, ObservedFetch, signUp } from './fixtures.js';

/**
 * The access-token verifier on its own (signature-only mode): what it
 * accepts and refuses, against a real service and its real keys.
 */
describe('access-token verifier', () => {
  const clock = new TestClock();
  let service: RunningService;
  let observed: ObservedFetch;
  let verifier: Verifier;

  before(async () => {
    service = await startService('sqlite', { clock });
    observed = new ObservedFetch();
    verifier = createVerifier({ baseUrl: service.url, ...JWT, revocations: false, jwksCooldownMs: 0, fetch: observed.fetch, now: () => clock.now() });
  });
  after(() => service.stop());

  test('accepts a token of the service and reads its claims', async () => {
    const { login } = await signUp(clientFor(service.url));
    const checked = await verifier.verify(login.accessToken);
    assert.ok(checked.ok, JSON.stringify(checked));
    assert.deepEqual(
      { userId: checked.data.userId, sessionId: checked.data.sessionId, role: checked.data.role },
      { userId: login.user.id, sessionId: login.session.id, role: 'user' },
    );
    assert.equal(checked.data.expiresAt - checked.data.issuedAt, 300);
  });

  test('refuses tampered, foreign and malformed tokens', async () => {
    const { login } = await signUp(clientFor(service.url));
    const [header, payload, signature] = login.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const asAdmin = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const otherKey = await jose.generateKeyPair('EdDSA');
    const foreign = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: kidOf(login.accessToken), typ: 'at+jwt' }).sign(otherKey.privateKey);
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`;
    for (const token of [`${header}.${asAdmin}.${signature}`, foreign, none, login.accessToken.slice(0, -3), 'not.a.jwt', login.sessionToken]) {
      const checked = await verifier.verify(token);
      assert.equal(checked.ok, false, token);
      assert.equal(!checked.ok && checked.error.code, 'token_invalid');
      assert.equal(!checked.ok && checked.error.status, 401);
    }
  });

  test('refuses tokens signed with the service key but with the wrong typ, issuer, audience or claims', async () => {
    const { login } = await signUp(clientFor(service.url));
    const base = { sub: login.user.id, sid: login.session.id, role: 'user', iss: 'astral-auth', aud: 'astral-auth' };
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['typ JWT', base, 'JWT'],
      ['another issuer', { ...base, iss: 'someone-else' }, 'at+jwt'],
      ['another audience', { ...base, aud: 'another-app' }, 'at+jwt'],
      ['no session id', { ...base, sid: undefined }, 'at+jwt'],
      ['no role', { ...base, role: undefined }, 'at+jwt'],
    ];
    for (const [name, claims, typ] of cases) {
      const checked = await verifier.verify(await signWithServiceKey(service, clock, claims, typ));
      assert.equal(!checked.ok && checked.error.code, 'token_invalid', name);
    }
    const good = await verifier.verify(await signWithServiceKey(service, clock, base, 'at+jwt'));
    assert.ok(good.ok, 'the same token with the right fields passes');
  });

  test('refuses HS256 made with the public key as the secret (algorithm confusion)', async () => {
    const { login } = await signUp(clientFor(service.url));
    const jwk = service.app.core.keyRing.signingKey(clock.now()).publicJwk;
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const claims = { sub: login.user.id, sid: login.session.id, role: 'admin', iss: 'astral-auth', aud: 'astral-auth' };
    const token = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: jwk.kid!, typ: 'at+jwt' })
      .setIssuedAt(seconds(clock)).setExpirationTime(seconds(clock) + 60).sign(secret);
    const checked = await verifier.verify(token);
    assert.equal(!checked.ok && checked.error.code, 'token_invalid');
  });

  test('expiry: accepted within the clock tolerance, refused after it', async () => {
    const { login } = await signUp(clientFor(service.url));
    clock.advance(5 * 60_000 + 29_000);
    assert.ok((await verifier.verify(login.accessToken)).ok, '29 s past exp is within the 30 s tolerance');
    clock.advance(2_000);
    const checked = await verifier.verify(login.accessToken);
    assert.equal(!checked.ok && checked.error.code, 'token_expired');
  });

  test('a clock tolerance beyond 60 s is a programming mistake', () => {
    assert.throws(() => createVerifier({ baseUrl: service.url, ...JWT, revocations: false, clockToleranceSeconds: 61 }), TypeError);
  });

  test('key rotation: old tokens keep verifying, new ones verify after one JWKS fetch', async () => {
    const client = clientFor(service.url);
    const { login } = await signUp(client);
    assert.ok((await verifier.verify(login.accessToken)).ok);
    const fetchesBefore = observed.jwksFetches;

    const { kid: newKid } = await service.app.core.keyRing.rotate('ES256', clock.now(), { activationDelayMs: 0, graceMs: 6 * 60_000 });
    const minted = await client.token(login.sessionToken);
    assert.ok(minted.ok);
    assert.equal(kidOf(minted.data.accessToken), newKid);
    assert.equal(JSON.parse(Buffer.from(minted.data.accessToken.split('.')[0]!, 'base64url').toString()).alg, 'ES256');

    assert.ok((await verifier.verify(minted.data.accessToken)).ok, 'the new key is fetched');
    assert.ok((await verifier.verify(login.accessToken)).ok, 'the old key is still published');
    assert.equal(observed.jwksFetches, fetchesBefore + 1);
    assert.ok((await verifier.verify(minted.data.accessToken)).ok);
    assert.equal(observed.jwksFetches, fetchesBefore + 1, 'known keys are not fetched again');
  });

  test('an unreachable service is a 503, not a refusal of the token', async () => {
    const offline = createVerifier({ baseUrl: 'http://127.0.0.1:9', ...JWT, revocations: false });
    const { login } = await signUp(clientFor(service.url));
    const checked = await offline.verify(login.accessToken);
    assert.equal(!checked.ok && checked.error.code, 'network_error');
    assert.equal(!checked.ok && checked.error.status, 503);
  });
});

async function signWithServiceKey(service: RunningService, clock: TestClock, claims: Record<string, unknown>, typ: string): Promise<string> {
  const key = service.app.core.keyRing.signingKey(clock.now());
  const defined = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  return new jose.SignJWT(defined)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
    .setIssuedAt(seconds(clock))
    .setExpirationTime(seconds(clock) + 300)
    .sign(await jose.importPKCS8(key.privatePem, key.alg));
}

function seconds(clock: TestClock): number {
  return Math.floor(clock.now() / 1000);
}

function kidOf(jwt: string): string {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).kid;
}
