/**
 * dashboard-screenshot.ts: takes docs/dashboard.png from a real run. It
 * starts astral-auth on a throwaway PostgreSQL database (so the pool figures
 * mean something), drives about a minute of traffic at it (session checks,
 * logins, some wrong passwords, some requests for unknown routes), then
 * opens /dashboard in headless Chromium with the admin token and saves what
 * it shows. Nothing is simulated: the cache tiers stay empty until a cache
 * reports to the metrics, and an alert fires only if the traffic really
 * crosses a default threshold (alerts wait 10 s here instead of 1 min).
 *
 *   npx tsx scripts/dashboard-screenshot.ts [--seconds 70] [--out docs/dashboard.png]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { launchBrowser } from '../test/helpers/browser.js';
import { call, strongPassword, uniqueEmail } from '../test/helpers/http.js';
import { startService } from '../test/helpers/service.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '70' }, out: { type: 'string', default: 'docs/dashboard.png' } },
});
const ADMIN_TOKEN = randomBytes(32).toString('base64url');
const USERS = 24;

interface User {
  readonly email: string;
  readonly password: string;
  readonly sessionToken: string;
}

async function main(): Promise<void> {
  const service = await startService('postgres', {
    env: { ASTRAL_ADMIN_TOKEN: ADMIN_TOKEN, ASTRAL_ALERT_FOR: '10s', ASTRAL_LOG_LEVEL: 'warn' },
  });
  try {
    const users = await Promise.all(Array.from({ length: USERS }, () => signUp(service.url)));
    // The page is opened while traffic still flows, so "now" shows it.
    const traffic = drive(service.url, users, Number(values.seconds) * 1000);
    await pause(Number(values.seconds) * 1000 - 8000);
    await capture(service.url, values.out!);
    await traffic;
  } finally {
    await service.stop();
  }
}

async function signUp(base: string): Promise<User> {
  const email = uniqueEmail('screenshot');
  const password = strongPassword();
  await call(base, 'POST', '/v1/register', { body: { email, password } });
  const { sessionToken } = (await call(base, 'POST', '/v1/login', { body: { email, password } })).body;
  return { email, password, sessionToken };
}

/** Session checks from 6 clients, a login every ~150 ms, and a few mistakes, for `ms`. */
async function drive(base: string, users: readonly User[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  const pick = () => users[Math.floor(Math.random() * users.length)]!;
  const checks = Array.from({ length: 6 }, async () => {
    while (Date.now() < end) await call(base, 'GET', '/v1/session', { token: pick().sessionToken });
  });
  const logins = (async () => {
    for (let n = 0; Date.now() < end; n++) {
      const user = pick();
      const password = n % 7 === 0 ? strongPassword() : user.password;
      await call(base, 'POST', '/v1/login', { body: { email: user.email, password } });
      if (n % 11 === 0) await call(base, 'GET', '/v1/nothing-here');
      await pause(150);
    }
  })();
  await Promise.all([...checks, logins]);
}

async function capture(base: string, out: string): Promise<void> {
  const browser = await launchBrowser({ width: 1360, height: 860 });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${base}/dashboard`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#chart-session path');
    await pause(1500);
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  process.stderr.write(`dashboard-screenshot: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
