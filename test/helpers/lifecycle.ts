import assert from 'node:assert/strict';
import type { Reply } from './http.js';
import { startService, type Engine, type RunningService, type ServiceOptions } from './service.js';
import { TestSmtpServer } from './smtp.js';

/** Link bases the lifecycle suites allow, and a sender that polls often enough for a test. */
export const APP_BASE = 'https://app.example/account';
export const ADMIN_BASE = 'https://admin.example/auth';
export const MAIL_ENV = { ASTRAL_MAIL_POLL_INTERVAL: '20ms', ASTRAL_LINK_BASE_URLS: `${APP_BASE},${ADMIN_BASE}` };

export function assertError(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.body?.error?.code, code, reply.text);
}

/** Polls a condition the test cannot await directly; bounded, and never used for time windows. */
export async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface MailedService {
  readonly service: RunningService;
  readonly smtp: TestSmtpServer;
  stop(): Promise<void>;
}

/** A service that sends its mail to an SMTP server of the test's own. */
export async function startMailedService(engine: Engine, options: ServiceOptions = {}): Promise<MailedService> {
  const smtp = await TestSmtpServer.start();
  const service = await startService(engine, { ...options, env: { ...MAIL_ENV, ASTRAL_SMTP_URL: smtp.url, ...options.env } });
  return {
    service,
    smtp,
    async stop() {
      await service.stop();
      await smtp.stop();
    },
  };
}
