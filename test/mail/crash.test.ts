import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { call, strongPassword, uniqueEmail } from '../helpers/http.js';
import { freePort } from '../helpers/redis-server.js';
import { TestSmtpServer } from '../helpers/smtp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The service as operators run it: a child process of `astral-auth serve`, its log read line by line. */
class ServeProcess {
  private readonly lines: Array<Record<string, unknown>> = [];
  private readonly child: ChildProcess;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.lines.push(JSON.parse(line)));
  }

  /** The first log line with this message, waiting for it if need be. */
  async logged(msg: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((entry) => entry.msg === msg);
      if (line) return line;
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`the service never logged "${msg}"`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async url(): Promise<string> {
    return String((await this.logged('astral-auth listening')).address);
  }

  async kill(signal: NodeJS.Signals): Promise<number | null> {
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    const [code] = await exited;
    return code as number | null;
  }
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'astral-crash-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('mail queued before a crash, while SMTP was down, arrives exactly once after restart', { timeout: 90_000 }, async () => {
  const smtpPort = await freePort();
  const env = {
    ASTRAL_DATA_DIR: dataDir,
    ASTRAL_PORT: '0',
    ASTRAL_COOKIE_SECURE: 'false',
    ASTRAL_SECRET_KEY: randomBytes(32).toString('base64'),
    ASTRAL_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    ASTRAL_MAIL_POLL_INTERVAL: '50ms',
    // Long enough that no second attempt is under way when the process is killed.
    ASTRAL_MAIL_RETRY_DELAY: '2s',
  };

  const first = new ServeProcess(env);
  const email = uniqueEmail('crash');
  const registered = await call(await first.url(), 'POST', '/v1/register', { body: { email, password: strongPassword() } });
  assert.equal(registered.status, 201);
  const failure = await first.logged('mail delivery failed; will retry');
  assert.equal(failure.kind, 'verify_email');
  assert.equal(await first.kill('SIGKILL'), null, 'killed, not stopped');

  const smtp = await TestSmtpServer.start(smtpPort);
  const second = new ServeProcess(env);
  try {
    await second.url();
    const mail = await smtp.waitFor(email, /Confirm your email/, 30_000);
    assert.match(mail.messageId, /^<[0-9a-f-]{36}@astral-auth\.localhost>$/);
  } finally {
    assert.equal(await second.kill('SIGTERM'), 0, 'a clean stop');
    await smtp.stop();
  }

  // Nothing is left to send: no later start can send it again.
  const db = new Database(path.join(dataDir, 'astral-auth.db'), { readonly: true });
  const rows = db.prepare('SELECT kind, status, attempts FROM mail_outbox').all();
  db.close();
  assert.deepEqual(rows, [{ kind: 'verify_email', status: 'sent', attempts: 2 }]);
  assert.equal(smtp.messagesTo(email).length, 1);
});
