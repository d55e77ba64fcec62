import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.js';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the test's own: made with initdb in a temporary
 * folder, listening on a free loopback port, stopped and started again at the
 * test's will. Outages are tested on it, never on the machine's shared server.
 * As root, every PostgreSQL program runs as the `postgres` user (the server
 * refuses to run as root) and the folder belongs to that user.
 *
 * `destroy` stops the server and removes the folder; a process exit does the
 * same for every cluster still alive, so a failing or crashing test leaves
 * nothing running.
 */
export class PrivatePostgres {
  private running = false;

  private constructor(
    readonly port: number,
    private readonly root: string,
    private readonly bin: string,
  ) {}

  static async create(): Promise<PrivatePostgres> {
    const bin = postgresBinaries();
    const root = mkdtempSync(path.join(tmpdir(), 'astral-pg-'));
    const cluster = new PrivatePostgres(await freePort(), root, bin);
    alive.add(cluster);
    try {
      if (runsAsRoot()) chownSync(root, postgresUser().uid, postgresUser().gid);
      await cluster.pg('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N']);
      await cluster.start();
      return cluster;
    } catch (error) {
      cluster.destroySync();
      throw error;
    }
  }

  /** The superuser's URL of one database (`postgres` unless named). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.root}`,
      // Crash safety of this throwaway cluster is not under test; the service's is.
      '-c fsync=off',
      '-c max_connections=60',
      '-c shared_buffers=16MB',
    ].join(' ');
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', path.join(this.root, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
    this.running = true;
  }

  /** `fast` ends sessions and shuts down cleanly; `immediate` is a crash, recovered at the next start. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    this.destroySync();
  }

  /** The server's own log, for a failure message. */
  logTail(lines = 20): string {
    try {
      return readFileSync(path.join(this.root, 'server.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private get dataDir(): string {
    return path.join(this.root, 'data');
  }

  private async pg(program: string, args: string[]): Promise<void> {
    const command = path.join(this.bin, program);
    const [file, argv] = runsAsRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    await run(file, argv, { cwd: this.root, timeout: 90_000 });
  }

  private destroySync(): void {
    if (this.running) {
      const command = path.join(this.bin, 'pg_ctl');
      const args = ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'];
      try {
        if (runsAsRoot()) execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'ignore', cwd: this.root });
        else execFileSync(command, args, { stdio: 'ignore', cwd: this.root });
      } catch {
        // Already down.
      }
      this.running = false;
    }
    rmSync(this.root, { recursive: true, force: true });
    alive.delete(this);
  }

  /** For the exit hook only. */
  static destroyAllSync(): void {
    for (const cluster of [...alive]) cluster.destroySync();
  }
}

const alive = new Set<PrivatePostgres>();
process.once('exit', () => PrivatePostgres.destroyAllSync());

/** The newest installed PostgreSQL's programs (Debian keeps each version in its own folder). */
function postgresBinaries(): string {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  const newest = versions
    .filter((version) => existsSync(path.join('/usr/lib/postgresql', version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  if (newest) return path.join('/usr/lib/postgresql', newest, 'bin');
  return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
}

function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

let postgresIds: { uid: number; gid: number } | undefined;
function postgresUser(): { uid: number; gid: number } {
  postgresIds ??= {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  };
  return postgresIds;
}
