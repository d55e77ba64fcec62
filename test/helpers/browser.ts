import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium; Playwright drives it and never downloads a browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

// Headless, and quiet: no first-run pages, no update or sync traffic, no QUIC.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile folder, removed by `close`. */
export async function launchBrowser(viewport = { width: 1360, height: 900 }): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is not installed: apt-get install -y chromium (.ci/run installs it)`);
  const profile = mkdtempSync(path.join(tmpdir(), 'astral-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport,
    deviceScaleFactor: 1,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
