import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { dropRedisKeysOf, ROOMY_LIMITS, ROOMY_LOCKOUT, type Engine } from './service.js';

/**
 * astral-auth as a real child process (`node --import tsx src/cli.ts serve`),
 * as an operator runs it: what faults are tried on, since a process can be
 * killed, signalled and started again. It listens on a free port; its log
 * lines are kept; it is known by its pid and stopped by that pid only.
 */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const START_TIMEOUT_MS = 60_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class ServiceProcess {
  readonly logs: string[] = [];
  readonly exited: Promise<Exit>;
  private url_: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly env: Readonly<Record<string, string>>,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => running.delete(this));
    running.add(this);
    collectLines(child, this.logs);
  }

  /** Starts one instance with these settings and waits until it listens (its info log line says where). */
  static async start(env: Readonly<Record<string, string>>): Promise<ServiceProcess> {
    if (/^(warn|error|fatal|silent)$/.test(env.ASTRAL_LOG_LEVEL ?? '')) {
      throw new TypeError('ServiceProcess needs ASTRAL_LOG_LEVEL info or lower to learn the address');
    }
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      cwd: REPO,
      // Faults and races are the subject here, not request limits or lockout: both are out of the way.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ASTRAL_HOST: '127.0.0.1', ASTRAL_PORT: '0', ...ROOMY_LIMITS, ...ROOMY_LOCKOUT, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, env);
    service.url_ = await service.listening();
    return service;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get url(): string {
    if (!this.url_) throw new Error('the service is not listening');
    return this.url_;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.isRunning) process.kill(this.pid, signal);
  }

  async kill(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, as an orchestrator stops it; SIGKILL if it has not exited in time. */
  async stop(timeoutMs = 15_000): Promise<Exit> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last log lines, for a failure message. */
  tail(lines = 15): string {
    return this.logs.slice(-lines).join('\n');
  }

  private listening(): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('did not listen in time')), START_TIMEOUT_MS);
      const fail = (error: Error) => {
        clearTimeout(timer);
        this.signal('SIGKILL');
        reject(new Error(`astral-auth ${error.message}:\n${this.tail()}`));
      };
      void this.exited.then((exit) => fail(new Error(`exited (${exit.code ?? exit.signal}) before listening`)));
      this.child.stdout!.on('data', () => {
        const address = this.logs.map(listenAddress).find(Boolean);
        if (address) {
          clearTimeout(timer);
          resolve(address);
        }
      });
    });
  }
}

function collectLines(child: ChildProcess, lines: string[]): void {
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
    });
  }
}

function listenAddress(line: string): string | undefined {
  if (!line.includes('astral-auth listening')) return undefined;
  try {
    return (JSON.parse(line) as { address?: string }).address;
  } catch {
    return undefined;
  }
}

const running = new Set<ServiceProcess>();
// A failing test must not leave an instance behind; only our own children are signalled.
process.once('exit', () => {
  for (const service of running) service.signal('SIGKILL');
});

/** Where an instance keeps its state, and the settings that point every instance at it. */
export interface Deployment {
  readonly env: Readonly<Record<string, string>>;
  readonly engine: Engine;
  /** The PostgreSQL URL, or the SQLite file. */
  readonly database: string;
  remove(): Promise<void>;
}

/**
 * A fresh deployment: its own SQLite folder, or its own database on the
 * PostgreSQL server at `postgresAdminUrl` (the shared one unless given).
 */
export async function createDeployment(
  engine: Engine,
  extra: Readonly<Record<string, string>> = {},
  postgresAdminUrl?: string,
): Promise<Deployment> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'astral-proc-'));
  const database: TestDatabase | undefined = engine === 'postgres' ? await createTestDatabase('astral_rel', postgresAdminUrl) : undefined;
  const env = {
    ASTRAL_COOKIE_SECURE: 'false',
    ASTRAL_LOG_LEVEL: 'info',
    ASTRAL_SECRET_KEY: randomBytes(32).toString('base64'),
    ASTRAL_DATA_DIR: dataDir,
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...extra,
  };
  return {
    env,
    engine,
    database: database?.url ?? path.join(dataDir, 'astral-auth.db'),
    async remove() {
      await database?.drop();
      await dropRedisKeysOf(env);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Rows of one read-only query on the deployment's database, as the test sees what the service left. */
export async function queryDeployment<Row>(deployment: Deployment, sql: string): Promise<Row[]> {
  if (deployment.engine === 'sqlite') {
    const db = new Database(deployment.database, { readonly: true });
    try {
      return db.prepare(sql).all() as Row[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: deployment.database });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** Log lines that show a fault: an unhandled error, a 5xx other than a deliberate 503, a fatal. */
export function faultLines(logs: readonly string[]): string[] {
  return logs.filter((line) => /"msg":"unhandled error"|"status":5(0[0-24-9]|[1-9]\d)|"level":60/.test(line));
}
