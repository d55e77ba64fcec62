import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeBase32 } from '../../src/domain/base32.js';
import type { StoredAuditEvent } from '../../src/domain/audit.js';
import { hotp, timeStep } from '../../src/domain/totp.js';
import type { TestClock } from './clock.js';
import { call, strongPassword, uniqueEmail, type Reply } from './http.js';
import { dropRedisPrefixAt, type Engine, type RunningService } from './service.js';

/** Helpers shared by the Guardian suites. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** PostgreSQL suites run with Redis too, under a key prefix of their own that `dropRedisPrefix` removes. */
export function engineEnv(engine: Engine, prefix: string): Record<string, string> {
  return engine === 'postgres' ? { REDIS_URL, ASTRAL_REDIS_PREFIX: prefix } : {};
}

export function redisPrefix(): string {
  return `astral-test-${randomBytes(4).toString('hex')}:`;
}

export function dropRedisPrefix(prefix: string): Promise<void> {
  return dropRedisPrefixAt(REDIS_URL, prefix);
}

export function assertError(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.body?.error?.code, code, reply.text);
}

export async function register(base: string, email = uniqueEmail(), password = strongPassword()) {
  const reply = await call(base, 'POST', '/v1/register', { body: { email, password } });
  assert.equal(reply.status, 201, reply.text);
  return { email, password, userId: reply.body.user.id as string };
}

export function login(base: string, email: string, password: string, headers: Record<string, string> = {}) {
  return call(base, 'POST', '/v1/login', { body: { email, password }, headers });
}

/** The `name=value` of a cookie the reply set. */
export function cookieOf(reply: Reply, name: string): string | undefined {
  const all = reply.headers.getSetCookie();
  return all.map((line) => line.split(';')[0]!).find((pair) => pair.startsWith(`${name}=`));
}

/** The TOTP code the authenticator app would show at the clock's time, `offset` steps away. */
export function totpCode(secret: string, clock: TestClock, offset = 0): string {
  return hotp(decodeBase32(secret), timeStep(clock.now()) + offset);
}

/** Audit events as stored, after the writer's queue is flushed. */
export async function auditOf(service: RunningService, query: { userId?: string; type?: string } = {}): Promise<StoredAuditEvent[]> {
  await service.app.core.guardian.audit.flush();
  return service.app.core.guardian.store.queryAuditEvents({ ...query, limit: 10_000 });
}

/** Password evaluations that failed: one audit event each, whatever the client was answered. */
export async function evaluatedFailures(service: RunningService, userId: string): Promise<number> {
  const events = await auditOf(service, { userId, type: 'login' });
  return events.filter((event) => event.outcome === 'failure').length;
}
