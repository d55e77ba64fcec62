import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type Browser } from '../helpers/browser.js';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { startService, type RunningService } from '../helpers/service.js';

const ADMIN_TOKEN = 'dashboard-admin-token-0123456789abcdefgh';

/**
 * The dashboard in a real headless Chromium: it refuses a non-admin, shows
 * figures that move under load, and shows an alert firing. The alert is
 * made to fire by a tiny threshold (1 ms p95 API latency, no waiting time),
 * which logins, at tens of milliseconds of argon2id each, cross at once.
 */
describe('dashboard in Chromium', () => {
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  const policyViolations: string[] = [];

  before(async () => {
    service = await startService('sqlite', {
      env: { ASTRAL_ADMIN_TOKEN: ADMIN_TOKEN, ASTRAL_ALERT_FOR: '0s', ASTRAL_ALERT_API_LATENCY: '1ms', ASTRAL_LOG_LEVEL: 'warn' },
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) policyViolations.push(message.text());
    });
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  test('refuses a non-admin token and shows no figures', async () => {
    await page.goto(`${service.url}/dashboard`);
    await page.fill('#token', 'not-the-admin-token-0123456789abcdefghij');
    await page.click('button[type=submit]');
    await page.waitForSelector('#refused:has-text("invalid_admin_token")');
    assert.equal(await page.isVisible('#board'), false);
    assert.equal(await page.isVisible('#token-form'), true);
    assert.equal(await page.evaluate('sessionStorage.length'), 0, 'a refused token is not kept');
  });

  test('with the admin token, shows figures that move under load', async () => {
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#board', { state: 'visible' });
    assert.equal(await page.isVisible('#token-form'), false, 'the token form is gone once the board shows');
    assert.ok(!page.url().includes(ADMIN_TOKEN), 'the token never goes into the URL');
    await page.waitForSelector('#sampled:has-text("window")');
    const before = await page.textContent('#tile-rate .sub');

    await generateLoad(service.url, 6);
    // Each figure appears with the first sample that saw its traffic.
    await shows(page, '#tile-rate .sub', /^[1-9][\d,]* API requests/);
    await shows(page, '#tile-api .value', /^\d+(\.\d+)? ms$/);
    await shows(page, '#session-now', /^p50 \d.* ms · p95 \d.* ms · p99 \d.* ms$/);
    await shows(page, '#login-now', /p95 \d+ ms/);
    assert.notEqual(await page.textContent('#tile-rate .sub'), before);
    assert.ok((await page.locator('#chart-login path').count()) >= 3, 'the login chart draws p50, p95, p99');
    assert.ok((await page.locator('#chart-rate path').count()) >= 1);
  });

  test('shows the alert firing', async () => {
    await page.waitForSelector('#alerts li[data-alert="api_latency"][data-state="firing"]', { timeout: 15_000 });
    assert.equal(await page.getAttribute('#tile-api', 'class'), 'tile alerting');
    assert.match((await page.textContent('#alerts-now')) ?? '', /1 firing/);
    assert.equal(await page.getAttribute('#alerts li:first-child', 'data-alert'), 'api_latency', 'firing alerts come first');
  });

  test('runs under its Content-Security-Policy without a violation', () => {
    assert.deepEqual(policyViolations, []);
  });
});

/** Waits until the element shows text matching `pattern`: the page polls once a second. */
async function shows(page: Page, selector: string, pattern: RegExp): Promise<void> {
  await page.locator(selector, { hasText: pattern }).waitFor({ timeout: 15_000 });
}

/** Registers `users`, logs each in, and checks each session a few times. */
async function generateLoad(base: string, users: number): Promise<void> {
  await Promise.all(
    Array.from({ length: users }, async () => {
      const email = uniqueEmail('load');
      const password = strongPassword();
      await call(base, 'POST', '/v1/register', { body: { email, password } });
      const { sessionToken } = (await call(base, 'POST', '/v1/login', { body: { email, password } })).body;
      for (let n = 0; n < 5; n++) await call(base, 'GET', '/v1/session', { token: sessionToken });
    }),
  );
}
