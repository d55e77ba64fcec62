import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** The bearer token of the Authorization header, if there is a well-formed one. */
export function readBearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * Whether a presented token is the configured one, in time that depends on
 * neither: both are hashed first, so even their lengths are not compared.
 */
export function isExpectedToken(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(sha256(presented), sha256(expected));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
