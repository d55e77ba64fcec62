import { createAuthenticator, createVerifier } from 'astral-auth/client';

/**
 * One verifier and one authenticator per server process (Node.js runtime):
 * the verifier holds the revocation stream open, so it is made once, not per
 * request.
 */
const service = {
  baseUrl: process.env.ASTRAL_URL ?? 'http://127.0.0.1:8080',
  issuer: process.env.ASTRAL_JWT_ISSUER ?? 'astral-auth',
  audience: process.env.ASTRAL_JWT_AUDIENCE ?? 'astral-auth',
};

export const verifier = createVerifier({
  ...service,
  revocations: { feedToken: process.env.ASTRAL_REVOCATION_FEED_TOKEN ?? '' },
});

export const authenticator = createAuthenticator({ baseUrl: service.baseUrl, verifier });

/** For the edge runtime (middleware): no stream there, so session checks go to the service. */
export const edgeAuthenticator = createAuthenticator({ baseUrl: service.baseUrl });

export { service };
