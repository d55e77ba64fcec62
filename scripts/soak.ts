/**
 * Soak: a steady mixed load against two astral-auth instances (child
 * processes) sharing one PostgreSQL database and one Redis, for a bounded
 * time. 90 % of the requests check a session, 8 % log in, 2 % register,
 * spread evenly over both instances. Every 10 s it records the latency
 * percentiles of each kind of request, the errors, and the resident memory
 * of each instance; at the end it fits a line through the memory samples and
 * prints the whole record as Markdown (and as JSON with --out).
 *
 *   npm run soak                 # 10 minutes
 *   npm run soak -- --minutes 1 --rate 150 --out soak.json
 *
 * Needs PostgreSQL and Redis on 127.0.0.1 (as the tests do). It creates a
 * database and a Redis key prefix of its own and removes both at the end.
 * Exits 1 if any request failed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon, { type Instance, type Request } from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { call, strongPassword } from '../test/helpers/http.js';
import { createAccount, type Account } from '../test/helpers/load.js';
import { createDeployment, ServiceProcess, type Deployment } from '../test/helpers/service-process.js';
import { redisEnv, TEST_REDIS_URL } from '../test/helpers/service.js';

const WINDOW_MS = 10_000;
const SEED_ACCOUNTS = 200;
// Small enough that each instance's session cache is full within the first minutes:
// memory after that shows what is not bounded by a cache.
const CACHE_MAX_SESSIONS = 1_000;
const MIX = { session: 0.9, login: 0.08, register: 0.02 } as const;
const CONNECTIONS = { session: 6, login: 2, register: 1 } as const;
type Kind = keyof typeof MIX;
const KINDS = Object.keys(MIX) as Kind[];

interface Options {
  readonly minutes: number;
  readonly rate: number;
  readonly out: string | undefined;
}

interface Window {
  readonly endsAtS: number;
  readonly requests: Record<Kind, number>;
  readonly errors: number;
  readonly latencyMs: Record<Kind, { p50: number; p95: number; p99: number; max: number }>;
  readonly rssMiB: number[];
  readonly loadAverage: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '200' }, out: { type: 'string' } },
  });
  const minutes = Number(values.minutes);
  const rate = Number(values.rate);
  if (!(minutes > 0 && minutes <= 120) || !(rate > 0 && rate <= 5_000)) {
    throw new TypeError('--minutes takes 0-120 and --rate 1-5000 (requests per second over both instances)');
  }
  return { minutes, rate, out: values.out };
}

/** Per kind, the latencies of the current window; emptied every window. */
class Recorder {
  private latencies: Record<Kind, number[]> = { session: [], login: [], register: [] };
  private errorsInWindow = 0;
  totalErrors = 0;
  readonly errorSamples: string[] = [];

  record(kind: Kind, status: number, ms: number): void {
    this.latencies[kind].push(ms);
    const expected = kind === 'register' ? 201 : 200;
    if (status !== expected) this.error(`${kind} answered ${status}`);
  }

  error(what: string): void {
    this.errorsInWindow++;
    this.totalErrors++;
    if (this.errorSamples.length < 20) this.errorSamples.push(what);
  }

  cut(endsAtS: number, rssMiB: number[]): Window {
    const latencyMs = Object.fromEntries(KINDS.map((kind) => [kind, percentiles(this.latencies[kind])])) as Window['latencyMs'];
    const requests = Object.fromEntries(KINDS.map((kind) => [kind, this.latencies[kind].length])) as Record<Kind, number>;
    const window = { endsAtS, requests, errors: this.errorsInWindow, latencyMs, rssMiB, loadAverage: loadavg()[0]! };
    this.latencies = { session: [], login: [], register: [] };
    this.errorsInWindow = 0;
    return window;
  }
}

function percentiles(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  return Math.round((kib / 1024) * 10) / 10;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return covariance / variance;
}

/** One autocannon per kind of request and instance, each at its share of the rate. */
function startLoad(targets: readonly string[], accounts: readonly Account[], options: Options, recorder: Recorder): Instance[] {
  const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
  let registered = 0;
  const requests: Record<Kind, Request> = {
    session: {
      method: 'GET',
      path: '/v1/session',
      setupRequest: (request) => ({ ...request, headers: { authorization: `Bearer ${pick(accounts).sessionToken}` } }),
    },
    login: {
      method: 'POST',
      path: '/v1/login',
      setupRequest: (request) => {
        const { email, password } = pick(accounts);
        return { ...request, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) };
      },
    },
    register: {
      method: 'POST',
      path: '/v1/register',
      setupRequest: (request) => {
        const email = `soak.${process.pid}.${++registered}@example.test`;
        return { ...request, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: strongPassword() }) };
      },
    },
  };
  const instances: Instance[] = [];
  for (const url of targets) {
    for (const kind of KINDS) {
      const instance = autocannon({
        url,
        connections: CONNECTIONS[kind],
        overallRate: Math.max(1, Math.round((options.rate * MIX[kind]) / targets.length)),
        duration: options.minutes * 60,
        timeout: 10,
        requests: [requests[kind]],
      }, (error) => {
        if (error) recorder.error(`${kind}: ${error.message}`);
      });
      instance.on('response', (_client, status, _bytes, ms) => recorder.record(kind, status, ms));
      instance.on('reqError', (error) => recorder.error(`${kind}: ${error.message}`));
      instances.push(instance);
    }
  }
  return instances;
}

async function machine(deployment: Deployment): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: deployment.database });
  await client.connect();
  const postgres = (await client.query('SHOW server_version')).rows[0].server_version as string;
  await client.end();
  const redis = new Redis(TEST_REDIS_URL);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  redis.disconnect();
  const version = (name: string) => (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  return {
    date: new Date().toISOString(),
    cpu: `${cpus()[0]?.model ?? '?'} (${availableParallelism()} cores)`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    postgres,
    redis: redisVersion,
    fastify: version('fastify'),
    autocannon: version('autocannon'),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
  };
}

function markdown(options: Options, facts: Record<string, string>, windows: Window[], recorder: Recorder, slopes: Record<string, number>): string {
  const totals = Object.fromEntries(KINDS.map((kind) => [kind, windows.reduce((sum, w) => sum + w.requests[kind], 0)]));
  const all = Object.values(totals).reduce((sum, n) => sum + n, 0);
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
  const lines = [
    `Soak of ${options.minutes} min at ${options.rate} requests/s over two instances (${KINDS.map((k) => `${MIX[k] * 100} % ${k}`).join(', ')}).`,
    '',
    `Machine and versions: ${Object.entries(facts).map(([k, v]) => `${k} ${v}`).join('; ')}.`,
    `Instances: PostgreSQL and Redis shared, ASTRAL_CACHE_MAX_SESSIONS=${CACHE_MAX_SESSIONS}, ${SEED_ACCOUNTS} seeded accounts.`,
    '',
    `Requests: ${all} (${KINDS.map((k) => `${totals[k]} ${k}`).join(', ')}); errors: ${recorder.totalErrors}.`,
    `Memory slope (RSS, least squares over the last two thirds of the run): ${Object.entries(slopes).map(([name, value]) => `${name} ${f(value)} MiB/min`).join(', ')}.`,
    '',
    '| t (s) | session p50 / p95 / p99 (ms) | login p50 / p95 / p99 (ms) | register p50 / p99 (ms) | requests | errors | RSS A / B (MiB) | load avg |',
    '| ---: | --- | --- | --- | ---: | ---: | --- | ---: |',
    ...windows.map((w) => {
      const s = w.latencyMs.session;
      const l = w.latencyMs.login;
      const r = w.latencyMs.register;
      const n = KINDS.reduce((sum, k) => sum + w.requests[k], 0);
      return `| ${w.endsAtS} | ${f(s.p50)} / ${f(s.p95)} / ${f(s.p99)} | ${f(l.p50)} / ${f(l.p95)} / ${f(l.p99)} | ${f(r.p50)} / ${f(r.p99)} | ${n} | ${w.errors} | ${w.rssMiB.map(f).join(' / ')} | ${w.loadAverage.toFixed(2)} |`;
    }),
  ];
  if (recorder.errorSamples.length > 0) lines.push('', `First errors: ${recorder.errorSamples.join('; ')}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const opts = options();
  const redis = redisEnv();
  const deployment = await createDeployment('postgres', { ...redis, ASTRAL_CACHE_MAX_SESSIONS: String(CACHE_MAX_SESSIONS) });
  const instances: ServiceProcess[] = [];
  // Bounded whatever happens: past this, everything is stopped.
  const deadline = setTimeout(() => void cleanUp().then(() => process.exit(2)), (opts.minutes * 60 + 300) * 1_000);
  deadline.unref();
  let cleaned = false;
  async function cleanUp(): Promise<void> {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(instances.map((instance) => instance.stop()));
    await deployment.remove();
    const client = new Redis(TEST_REDIS_URL);
    const keys = await client.keys(`${redis.ASTRAL_REDIS_PREFIX}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  }
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

  try {
    instances.push(await ServiceProcess.start(deployment.env));
    instances.push(await ServiceProcess.start(deployment.env));
    const targets = instances.map((instance) => instance.url);
    const facts = await machine(deployment);
    process.stderr.write(`seeding ${SEED_ACCOUNTS} accounts\n`);
    const accounts: Account[] = [];
    for (let i = 0; i < SEED_ACCOUNTS; i++) accounts.push(await createAccount(targets[i % 2]!));
    // Each instance has seen every session once, as after some uptime.
    for (const account of accounts) for (const url of targets) await call(url, 'GET', '/v1/session', { token: account.sessionToken });

    process.stderr.write(`load for ${opts.minutes} min at ${opts.rate} requests/s\n`);
    const recorder = new Recorder();
    const started = Date.now();
    const windows: Window[] = [];
    const sampler = setInterval(() => {
      const window = recorder.cut(Math.round((Date.now() - started) / 1000), instances.map((instance) => rssMiB(instance.pid)));
      windows.push(window);
      process.stderr.write(`${window.endsAtS}s: ${JSON.stringify(window.latencyMs.session)} errors ${window.errors} rss ${window.rssMiB.join('/')}\n`);
    }, WINDOW_MS);
    const load = startLoad(targets, accounts, opts, recorder);
    await Promise.all(load.map((instance) => new Promise((resolve) => instance.on('done', resolve))));
    clearInterval(sampler);

    const settled = windows.slice(Math.floor(windows.length / 3));
    const slopes = Object.fromEntries(['A', 'B'].map((name, i) => [name, slope(settled.map((w) => [w.endsAtS / 60, w.rssMiB[i]!]))]));
    const report = markdown(opts, facts, windows, recorder, slopes);
    process.stdout.write(`${report}\n`);
    if (opts.out) writeFileSync(opts.out, `${JSON.stringify({ options: opts, facts, slopes, errors: recorder.totalErrors, errorSamples: recorder.errorSamples, windows }, null, 2)}\n`);
    return recorder.totalErrors === 0 ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
