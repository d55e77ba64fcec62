/**
 * verify-access-token.ts: checks an astral-auth access token the way a
 * resource server in another codebase would, with nothing of astral-auth but
 * its published JWKS. It uses only `jose`, so a pass here shows the tokens are
 * plain standard JWTs, not something only the service itself can read.
 *
 *   npx tsx scripts/verify-access-token.ts [--jwks URL] [--issuer I] [--audience A] [TOKEN]
 *
 * Without TOKEN the token is read from stdin (keeps it out of `ps` and shell
 * history). Prints the protected header and the claims as JSON on success;
 * exits 1 with jose's error code and message when the token is refused.
 */
import { parseArgs } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    jwks: { type: 'string', default: 'http://127.0.0.1:8080/.well-known/jwks.json' },
    issuer: { type: 'string', default: 'astral-auth' },
    audience: { type: 'string', default: 'astral-auth' },
  },
});

async function readToken(): Promise<string> {
  if (positionals[0]) return positionals[0].trim();
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/**
 * Pins what a verifier must pin: the algorithms it accepts (so a token cannot
 * pick `none` or an HMAC keyed with the public key), the issuer, the audience
 * and the `at+jwt` type (RFC 9068), so an ID token or another JWT signed by the
 * same keys is not taken for an access token.
 */
async function main(): Promise<void> {
  const token = await readToken();
  if (!token) throw new Error('no token: pass it as an argument or on stdin');
  const jwks = createRemoteJWKSet(new URL(values.jwks));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: values.issuer,
    audience: values.audience,
    typ: 'at+jwt',
    algorithms: ['EdDSA', 'ES256'],
  });
  const expiresIn = typeof payload.exp === 'number' ? payload.exp - Math.floor(Date.now() / 1000) : null;
  console.log(JSON.stringify({ valid: true, header: protectedHeader, claims: payload, expiresInSeconds: expiresIn }, null, 2));
}

main().catch((error: unknown) => {
  const code = (error as { code?: string }).code ?? 'ERR';
  const message = error instanceof Error ? error.message : String(error);
  console.error(`verify-access-token: refused (${code}): ${message}`);
  process.exitCode = 1;
});
