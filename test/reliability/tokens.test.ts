import assert from 'node:assert/strict';
import { createHmac, createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import * as jose from 'jose';
import { TestClock } from '../helpers/clock.js';
import { call } from '../helpers/http.js';
import { createAccount, type Account } from '../helpers/load.js';
import { startService, type RunningService } from '../helpers/service.js';

/**
 * Tokens an attacker can make or keep, each refused with 401
 * `invalid_session`: tampered and truncated ones, expired ones (by the test's
 * clock, never by waiting), ones signed by a retired key, `alg: none`, HMAC
 * made with the public key as the secret, keys offered in the header
 * (`jwk`, `jku`, `x5u`: nothing is fetched), claims the service would not
 * issue even when signed with its own key, and session tokens of revoked
 * sessions. Random mutations of a good token are refused unless they decode
 * to the very same token.
 */
const MINUTE = 60_000;
const SKEW_MS = 30_000;

describe('tokens an attacker can make or keep', () => {
  const clock = new TestClock();
  let service: RunningService;
  let other: RunningService;
  let fetched: string[];
  let lure: Server;
  let lureUrl: string;

  before(async () => {
    service = await startService('sqlite', { clock });
    other = await startService('sqlite');
    fetched = [];
    lure = createServer((request, response) => {
      fetched.push(request.url ?? '');
      response.end('{}');
    });
    await new Promise<void>((resolve) => lure.listen(0, '127.0.0.1', resolve));
    const address = lure.address();
    lureUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    await new Promise((resolve) => lure.close(resolve));
    await other.stop();
    await service.stop();
  });

  async function login(target = service): Promise<Account & { accessToken: string; sessionId: string }> {
    const account = await createAccount(target.url);
    const reply = await call(target.url, 'POST', '/v1/token', { token: account.sessionToken });
    const session = await call(target.url, 'GET', '/v1/session', { token: account.sessionToken });
    return { ...account, accessToken: reply.body.accessToken, sessionId: session.body.session.id };
  }

  async function status(token: string, target = service): Promise<number> {
    const reply = await call(target.url, 'GET', '/v1/session', { token });
    if (reply.status !== 200) {
      assert.equal(reply.status, 401, reply.text);
      assert.equal(reply.body.error.code, 'invalid_session');
    }
    return reply.status;
  }

  async function assertRefused(token: string, what: string): Promise<void> {
    assert.equal(await status(token), 401, `${what} is refused`);
  }

  /** Signs claims with the service's own current key: what only the service could issue. */
  async function signWithServiceKey(claims: jose.JWTPayload, header: Partial<jose.JWTHeaderParameters> = {}): Promise<string> {
    const key = service.app.core.keyRing.signingKey(clock.now());
    const privateKey = await jose.importPKCS8(key.privatePem, key.alg);
    return new jose.SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }).sign(privateKey);
  }

  function goodClaims(account: { userId: string; sessionId: string }): jose.JWTPayload {
    const now = Math.floor(clock.now() / 1000);
    return { sub: account.userId, sid: account.sessionId, role: 'user', iss: 'astral-auth', aud: 'astral-auth', iat: now, exp: now + 300 };
  }

  test('the real token works, so every refusal below is about the change made to it', async () => {
    const account = await login();
    assert.equal(await status(account.accessToken), 200);
    assert.equal(await status(await signWithServiceKey(goodClaims(account))), 200);
  });

  test('tampered and truncated tokens', async () => {
    const { accessToken } = await login();
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const escalated = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const cases: Record<string, string> = {
      'an escalated role': `${header}.${escalated}.${signature}`,
      'a flipped payload character': `${header}.${flip(payload, 10)}.${signature}`,
      'a flipped signature character': `${header}.${payload}.${flip(signature, 5)}`,
      'a flipped header character': `${flip(header, 3)}.${payload}.${signature}`,
      'a shortened signature': `${header}.${payload}.${signature.slice(0, -4)}`,
      'an empty signature': `${header}.${payload}.`,
      'two segments': `${header}.${payload}`,
      'a signature from another token': `${header}.${payload}.${(await login()).accessToken.split('.')[2]}`,
    };
    for (const [what, token] of Object.entries(cases)) await assertRefused(token, what);
  });

  test('expiry follows the clock: valid through the 30 s leeway, refused after it', async () => {
    const { accessToken } = await login();
    const expiresAt = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).exp * 1000;
    clock.advance(expiresAt - clock.now() + SKEW_MS - 1_000);
    assert.equal(await status(accessToken), 200, 'inside the leeway');
    clock.advance(2_000);
    await assertRefused(accessToken, 'an access token past its expiry and the leeway');
  });

  test('a token signed by a key retired since, and one issued not yet valid', async () => {
    const account = await login();
    const ring = service.app.core.keyRing;
    await ring.rotate('EdDSA', clock.now(), { activationDelayMs: 0, graceMs: 6 * MINUTE });
    assert.equal(await status(account.accessToken), 200, 'the old key is published during its grace');
    clock.advance(7 * MINUTE);
    await assertRefused(account.accessToken, 'a token of a retired key');

    const fresh = await login();
    const early = { ...goodClaims(fresh), nbf: Math.floor(clock.now() / 1000) + 120 };
    await assertRefused(await signWithServiceKey(early), 'a token not valid before two minutes from now');
  });

  test('alg none and HMAC made with the public key as the secret', async () => {
    const account = await login();
    const [header, payload] = account.accessToken.split('.') as [string, string];
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString());
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const alg of ['none', 'None', 'NONE']) {
      await assertRefused(`${encode({ alg, typ: 'at+jwt', kid })}.${payload}.`, `alg ${alg}`);
    }

    const jwk = (await call(service.url, 'GET', '/.well-known/jwks.json')).body.keys.find((key: jose.JWK) => key.kid === kid);
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    const secrets = {
      'the PEM public key': publicKey.export({ type: 'spki', format: 'pem' }),
      'the DER public key': publicKey.export({ type: 'spki', format: 'der' }),
      'the JWK as JSON': JSON.stringify(jwk),
      'the raw public key bytes': Buffer.from(jwk.x, 'base64url'),
      'the x member as text': jwk.x,
    };
    for (const [what, secret] of Object.entries(secrets)) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const signingInput = `${encode({ alg, typ: 'at+jwt', kid })}.${payload}`;
        const mac = createHmac(`sha${alg.slice(2)}`, secret).update(signingInput).digest('base64url');
        await assertRefused(`${signingInput}.${mac}`, `${alg} with ${what}`);
      }
    }
  });

  test('keys offered in the header are never used or fetched', async () => {
    const account = await login();
    const claims = goodClaims(account);
    const attacker = await jose.generateKeyPair('EdDSA', { extractable: true });
    const attackerJwk = await jose.exportJWK(attacker.publicKey);
    const realKid = service.app.core.keyRing.signingKey(clock.now()).kid;
    const headers: Array<[string, jose.JWTHeaderParameters]> = [
      ['an embedded jwk', { alg: 'EdDSA', typ: 'at+jwt', jwk: attackerJwk }],
      ['an embedded jwk under the real kid', { alg: 'EdDSA', typ: 'at+jwt', kid: realKid, jwk: attackerJwk }],
      ['a jku', { alg: 'EdDSA', typ: 'at+jwt', kid: 'attacker', jku: `${lureUrl}/jwks.json` }],
      ['a jku under the real kid', { alg: 'EdDSA', typ: 'at+jwt', kid: realKid, jku: `${lureUrl}/jwks.json` }],
      ['an x5u', { alg: 'EdDSA', typ: 'at+jwt', kid: 'attacker', x5u: `${lureUrl}/cert.pem` }],
    ];
    for (const [what, header] of headers) {
      await assertRefused(await new jose.SignJWT(claims).setProtectedHeader(header).sign(attacker.privateKey), `a token with ${what}`);
    }
    // jose will not sign an unknown critical extension; an attacker's own code would.
    const serviceKey = service.app.core.keyRing.signingKey(clock.now());
    const servicePrivateKey = await jose.importPKCS8(serviceKey.privatePem, serviceKey.alg);
    const plain = { alg: 'EdDSA', typ: 'at+jwt', kid: serviceKey.kid };
    assert.equal(await status(await signEd25519(plain, claims, servicePrivateKey)), 200, 'the hand-made signature is right');
    const critical = { ...plain, crit: ['exp-ext'], 'exp-ext': true };
    await assertRefused(await signEd25519(critical, claims, servicePrivateKey), 'the service key with an unknown critical extension');
    assert.deepEqual(fetched, [], 'nothing was fetched from the URLs in the headers');
  });

  test('claims the service would not issue, even under its own key', async () => {
    const account = await login();
    const stranger = await login();
    const good = goodClaims(account);
    const { sub: _sub, ...withoutSub } = good;
    const { exp: _exp, ...withoutExp } = good;
    const { sid: _sid, ...withoutSid } = good;
    const cases: Array<[string, jose.JWTPayload, Partial<jose.JWTHeaderParameters>?]> = [
      ['another issuer', { ...good, iss: 'someone-else' }],
      ['another audience', { ...good, aud: 'another-app' }],
      ['no subject', withoutSub],
      ['no expiry', withoutExp],
      ['no session id', withoutSid],
      ['a session of another user', { ...good, sid: stranger.sessionId }],
      ['a session that does not exist', { ...good, sid: 'no-such-session' }],
      ['a non-string subject', { ...good, sub: 42 as unknown as string }],
      ['the type of an id token', good, { typ: 'JWT' }],
      ['no type', good, { typ: undefined }],
    ];
    for (const [what, claims, header] of cases) await assertRefused(await signWithServiceKey(claims, header), `a token with ${what}`);

    const foreign = await login(other);
    await assertRefused(foreign.accessToken, 'a token of another deployment');
  });

  test('session tokens of revoked, expired and unknown sessions', async () => {
    const loggedOut = await login();
    assert.equal((await call(service.url, 'POST', '/v1/logout', { token: loggedOut.sessionToken })).status, 204);
    await assertRefused(loggedOut.sessionToken, 'the session token after logout');
    await assertRefused(loggedOut.accessToken, 'its access token after logout');

    const idle = await login();
    clock.advance(24 * 60 * MINUTE);
    await assertRefused(idle.sessionToken, 'a session idle for the whole idle timeout');
    await assertRefused(`ast_${'A'.repeat(43)}`, 'a well-formed unknown session token');
  });

  test('random mutations of a good token are refused unless they decode to the same token', async () => {
    const account = await login();
    const original = account.accessToken;
    const segments = original.split('.').map((segment) => Buffer.from(segment, 'base64url'));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    const edit = fc.record({
      at: fc.nat({ max: original.length - 1 }),
      remove: fc.nat({ max: 3 }),
      insert: fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        let token = original;
        for (const { at, remove, insert } of edits) token = token.slice(0, at) + insert + token.slice(at + remove);
        const accepted = (await status(token)) === 200;
        if (accepted) assert.ok(sameToken(token, original, segments), `accepted a changed token: ${token}`);
      }),
      { numRuns: 300 },
    );
  });
});

async function signEd25519(header: object, claims: object, key: jose.CryptoKey): Promise<string> {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(claims)}`;
  const signature = await crypto.subtle.sign('Ed25519', key, Buffer.from(signingInput));
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}

function flip(text: string, index: number): string {
  const char = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + char + text.slice(index + 1);
}

/**
 * The signed part must be the same text; the signature may differ only in
 * the unused low bits of its last base64url character, which decode to the
 * same bytes.
 */
function sameToken(token: string, original: string, segments: Buffer[]): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const signedPart = (text: string) => text.slice(0, text.lastIndexOf('.'));
  return signedPart(token) === signedPart(original) && Buffer.from(parts[2]!, 'base64url').equals(segments[2]!);
}
