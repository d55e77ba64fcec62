import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** Starts `astral-auth serve` as a process, returns its output up to the "listening" event, stops it. */
async function firstLines(env: Record<string, string>): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'astral-pretty-'));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
    env: { ...process.env, ASTRAL_PORT: '0', ASTRAL_DATA_DIR: dataDir, ASTRAL_SECRET_KEY: randomBytes(32).toString('base64'), ...env },
  });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" line in:\n${output}`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('astral-auth listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
    return output;
  } finally {
    const exited = new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('log format', () => {
  test('is one JSON object a line by default', async () => {
    const lines = (await firstLines({})).trim().split('\n');
    for (const line of lines) assert.equal(JSON.parse(line).service, 'astral-auth');
  });

  test('is human-readable with ASTRAL_LOG_PRETTY=true', async () => {
    const output = await firstLines({ ASTRAL_LOG_PRETTY: 'true' });
    assert.match(output, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: astral-auth listening$/m);
    assert.throws(() => JSON.parse(output.split('\n')[0]!));
  });
});
