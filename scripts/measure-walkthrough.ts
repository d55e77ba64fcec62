/**
 * measure-walkthrough.ts: reproduces the figures of docs/walkthrough.md on the
 * machine it runs on, for the embedded SQLite store and for PostgreSQL:
 *
 *   - import rate: `astral-auth users import --from-postgres` of the legacy
 *     database (scripts/make-legacy-db.ts) into a fresh, empty store;
 *   - login latency: sequential `POST /v1/login` of one sample user whose hash
 *     was already upgraded to argon2id (the steady state: one argon2id verify);
 *   - session validation latency: sequential `GET /v1/session`, with the
 *     bearer session token and with the bearer access token.
 *
 *   npm run build
 *   npx tsx scripts/measure-walkthrough.ts [--legacy-url URL] [--admin-url URL]
 *     [--credentials FILE] [--logins N] [--validations N] [--engines sqlite,postgres]
 *
 * It runs the built CLI (dist/cli.js) as a reader would, in child processes,
 * with the default settings and a free port; everything it creates (the
 * database astral_measure, the folder data/measure-sqlite) is removed at the
 * end. Requests go one at a time over one keep-alive connection, so the
 * figures are latencies, not throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { availableParallelism, cpus, devNull, loadavg, totalmem } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';

// ---------------------------------------------------------------- options

const { values } = parseArgs({
  options: {
    'legacy-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/astralfield_legacy' },
    'admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    credentials: { type: 'string', default: 'data/legacy-credentials.json' },
    logins: { type: 'string', default: '50' },
    validations: { type: 'string', default: '2000' },
    engines: { type: 'string', default: 'sqlite,postgres' },
  },
});

const LOGINS = Number(values.logins);
const VALIDATIONS = Number(values.validations);
const ENGINES = values.engines.split(',').map((engine) => engine.trim());
const MEASURE_DATABASE = 'astral_measure';
const SQLITE_DIR = 'data/measure-sqlite';
const CLI = 'dist/cli.js';

// ---------------------------------------------------------------- statistics

interface Summary {
  n: number;
  p50: number;
  p95: number;
  mean: number;
}

/** Nearest-rank percentiles: each figure is a latency that was actually observed. */
function summarise(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return { n: sorted.length, p50: rank(0.5), p95: rank(0.95), mean };
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

// ---------------------------------------------------------------- HTTP

/** One socket, reused: what is timed is the service, not TCP handshakes. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

interface Reply {
  status: number;
  body: string;
}

function call(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function timed(run: () => Promise<Reply>, expected: number): Promise<number> {
  const started = performance.now();
  const reply = await run();
  const elapsed = performance.now() - started;
  if (reply.status !== expected) throw new Error(`expected ${expected}, got ${reply.status}: ${reply.body}`);
  return elapsed;
}

// ---------------------------------------------------------------- child processes

type Env = Record<string, string>;

function cliEnv(engine: string, secretKey: string): Env {
  const base: Env = { ...(process.env as Env), ASTRAL_COOKIE_SECURE: 'false' };
  delete base.DATABASE_URL;
  if (engine === 'postgres') {
    return { ...base, DATABASE_URL: databaseUrl(MEASURE_DATABASE), ASTRAL_SECRET_KEY: secretKey };
  }
  return { ...base, ASTRAL_DATA_DIR: SQLITE_DIR };
}

function databaseUrl(name: string): string {
  const url = new URL(values['admin-url']);
  url.pathname = `/${name}`;
  return url.toString();
}

interface ImportResult {
  summary: string;
  cliRate: number;
  wallSeconds: number;
}

/** Runs the import as a reader would and keeps the CLI's own summary line. */
async function runImport(env: Env): Promise<ImportResult> {
  const args = [CLI, 'users', 'import', '--from-postgres', values['legacy-url'], '--rejects', devNull];
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await exitOf(child);
  const wallSeconds = (performance.now() - started) / 1000;
  const summary = stderr.split(/[\r\n]/).filter(Boolean).at(-1) ?? '';
  if (code !== 0) throw new Error(`import failed (${code}): ${summary}`);
  const rate = /, (\d+) rows\/s\)$/.exec(summary);
  return { summary, cliRate: Number(rate?.[1] ?? NaN), wallSeconds };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

interface Server {
  port: number;
  stop: () => Promise<void>;
}

/** Starts `serve` on a free port and learns the port from its "listening" log line. */
async function startServer(env: Env): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { ...env, ASTRAL_PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`serve exited early (${code})`)));
    lines.on('line', (line) => {
      const match = /"address":"http:\/\/[^"]*:(\d+)"/.exec(line);
      if (match) resolve(Number(match[1]));
    });
  });
  // Keep draining the request log so the service never blocks on a full pipe.
  lines.on('line', () => undefined);
  return {
    port,
    stop: async () => {
      const exited = exitOf(child);
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---------------------------------------------------------------- measurements

interface Credential {
  email: string;
  password: string | null;
  note: string;
}

/** The first ordinary sample user with a password: a PLAYER with a $2b$ hash. */
async function sampleUser(): Promise<{ email: string; password: string }> {
  const credentials = JSON.parse(await readFile(values.credentials, 'utf8')) as Credential[];
  const chosen = credentials.find((c) => c.password !== null && c.note.startsWith('PLAYER'));
  if (!chosen?.password) throw new Error(`no sample PLAYER with a password in ${values.credentials}`);
  return { email: chosen.email, password: chosen.password };
}

interface EngineFigures {
  engine: string;
  importResult: ImportResult;
  firstLoginMs: number;
  login: Summary;
  bySessionToken: Summary;
  byAccessToken: Summary;
}

async function measureEngine(engine: string, user: { email: string; password: string }): Promise<EngineFigures> {
  const env = cliEnv(engine, randomBytes(32).toString('base64'));
  const importResult = await runImport(env);
  progress(`${engine}: ${importResult.summary}`);

  const server = await startServer(env);
  try {
    const login = () => call(server.port, 'POST', '/v1/login', { 'content-type': 'application/json' }, JSON.stringify(user));
    // The first login verifies bcrypt and rehashes with argon2id; later ones verify argon2id only.
    const firstLoginMs = await timed(login, 200);
    for (let i = 0; i < 3; i++) await timed(login, 200);
    const logins: number[] = [];
    for (let i = 0; i < LOGINS; i++) logins.push(await timed(login, 200));

    const issued = JSON.parse((await login()).body) as { sessionToken: string; accessToken: string };
    const bySessionToken = await validations(server.port, issued.sessionToken);
    const byAccessToken = await validations(server.port, issued.accessToken);
    return { engine, importResult, firstLoginMs, login: summarise(logins), bySessionToken, byAccessToken };
  } finally {
    await server.stop();
  }
}

async function validations(port: number, bearer: string): Promise<Summary> {
  const check = () => call(port, 'GET', '/v1/session', { authorization: `Bearer ${bearer}` });
  for (let i = 0; i < 100; i++) await timed(check, 200);
  const samples: number[] = [];
  for (let i = 0; i < VALIDATIONS; i++) samples.push(await timed(check, 200));
  return summarise(samples);
}

// ---------------------------------------------------------------- setup and teardown

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: values['admin-url'] });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function resetTargets(): Promise<void> {
  await rm(SQLITE_DIR, { recursive: true, force: true });
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${MEASURE_DATABASE}`);
    if (ENGINES.includes('postgres')) await client.query(`CREATE DATABASE ${MEASURE_DATABASE}`);
  });
}

async function dropTargets(): Promise<void> {
  await rm(SQLITE_DIR, { recursive: true, force: true });
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${MEASURE_DATABASE}`));
}

// ---------------------------------------------------------------- output

function progress(message: string): void {
  process.stderr.write(`measure-walkthrough: ${message}\n`);
}

async function machine(): Promise<string> {
  const postgres = await admin(async (client) => (await client.query('SHOW server_version')).rows[0]?.server_version as string);
  const memory = (totalmem() / 2 ** 30).toFixed(1);
  return [
    `date (UTC):  ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
    `cpu:         ${availableParallelism()} x ${cpus()[0]?.model ?? 'unknown'}`,
    `memory:      ${memory} GiB`,
    `node:        ${process.version}`,
    `postgresql:  ${postgres}`,
    // Other work on the machine moves every figure; the load says how much there was.
    `load avg:    ${loadavg().map((load) => load.toFixed(2)).join(' ')} (1, 5, 15 min, at the end)`,
  ].join('\n');
}

function table(results: EngineFigures[]): string {
  const rows = [
    ['', ...results.map((r) => r.engine)],
    ['import, rows/s (CLI summary)', ...results.map((r) => String(r.importResult.cliRate))],
    ['import, wall clock incl. start-up, s', ...results.map((r) => r.importResult.wallSeconds.toFixed(1))],
    ['first login (bcrypt verify + argon2id rehash), ms', ...results.map((r) => ms(r.firstLoginMs))],
    [`login p50 / p95, ms (n=${LOGINS})`, ...results.map((r) => `${ms(r.login.p50)} / ${ms(r.login.p95)}`)],
    [`GET /v1/session, session token, p50 / p95, ms (n=${VALIDATIONS})`, ...results.map((r) => `${ms(r.bySessionToken.p50)} / ${ms(r.bySessionToken.p95)}`)],
    [`GET /v1/session, access token, p50 / p95, ms (n=${VALIDATIONS})`, ...results.map((r) => `${ms(r.byAccessToken.p50)} / ${ms(r.byAccessToken.p95)}`)],
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (!Number.isInteger(LOGINS) || LOGINS < 1 || !Number.isInteger(VALIDATIONS) || VALIDATIONS < 1) {
    throw new Error('--logins and --validations take whole numbers of at least 1');
  }
  if (ENGINES.length === 0 || !ENGINES.every((engine) => engine === 'sqlite' || engine === 'postgres')) {
    throw new Error('--engines takes sqlite, postgres or both, comma-separated');
  }
  const user = await sampleUser();
  await resetTargets();
  try {
    const results: EngineFigures[] = [];
    for (const engine of ENGINES) results.push(await measureEngine(engine, user));
    console.log(await machine());
    console.log();
    console.log(table(results));
  } finally {
    agent.destroy();
    await dropTargets();
  }
}

main().catch((error: unknown) => {
  progress(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
