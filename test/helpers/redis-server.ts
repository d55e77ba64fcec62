import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/**
 * A Redis server of the test's own, on a free loopback port, that the test
 * may stop and start again, or freeze: outages are tested on it, never on the
 * shared one. A persistent one writes every command to its append-only file
 * and so comes back from a kill with its data, as a production Redis does.
 */
export interface PrivateRedisOptions {
  readonly persistent?: boolean;
}

export class PrivateRedis {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dataDir: string | undefined,
  ) {}

  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const dataDir = options.persistent ? mkdtempSync(path.join(tmpdir(), 'astral-redis-')) : undefined;
    const server = new PrivateRedis(await freePort(), dataDir);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const persistence = this.dataDir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dataDir] : ['--appendonly', 'no'];
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
      stdio: 'ignore',
    });
    started.add(this);
    await waitUntilAnswering(this.url);
  }

  /** Killed, as by a crash or an out-of-memory kill; a persistent one keeps what it had written. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Frozen (SIGSTOP): connections stay open and nothing answers, as in a stall or a partition. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Stops it for good and removes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    this.destroySync();
  }

  /** Synchronous, for the exit hook: a SIGKILL also ends a frozen server. */
  destroySync(): void {
    this.process?.kill('SIGKILL');
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    started.delete(this);
  }
}

const started = new Set<PrivateRedis>();
// A failing test must not leave a server behind; only our own children are signalled.
process.once('exit', () => {
  for (const server of [...started]) server.destroySync();
});

async function waitUntilAnswering(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
  throw new Error('redis-server did not start');
}

/** A loopback port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
