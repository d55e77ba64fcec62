import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '../src/client/index.js';

/**
 * What checking the caller costs per request in the Fastify example:
 * a Bearer access token verified in the app (local verifier) against a
 * session token checked with `GET /v1/session` on every request (session
 * cache off), in the same run, with `/` (no check) as the baseline.
 *
 *   npm run build && node --conditions=astral-auth-source --import tsx scripts/bench-validation.ts
 *
 * Needs wrk (Debian: apt-get install wrk). Loopback only; each run is bounded by its duration.
 */
const SERVICE_PORT = 18_080;
const APP_PORT = 18_081;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = process.env.DURATION ?? '8s';
const CONNECTIONS = process.env.CONNECTIONS ?? '16';
const FEED_TOKEN = randomBytes(32).toString('base64url');

interface Figures {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'astral-bench-'));
  const children: ChildProcess[] = [];
  try {
    children.push(startService(dataDir));
    await waitUntilUp(`http://127.0.0.1:${SERVICE_PORT}/healthz`);
    children.push(startExample());
    await waitUntilUp(`http://127.0.0.1:${APP_PORT}/`);
    const { accessToken, sessionToken } = await signIn();
    report(measure({ none: '', 'access token (local verifier)': accessToken, 'session token (GET /v1/session each time)': sessionToken }));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function startService(dataDir: string): ChildProcess {
  return spawn(process.execPath, ['dist/cli.js', 'serve'], {
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      ASTRAL_PORT: String(SERVICE_PORT),
      ASTRAL_DATA_DIR: dataDir,
      ASTRAL_COOKIE_SECURE: 'false',
      ASTRAL_LOG_LEVEL: 'warn',
      ASTRAL_REVOCATION_FEED_TOKEN: FEED_TOKEN,
    },
  });
}

function startExample(): ChildProcess {
  return spawn(process.execPath, ['--conditions=astral-auth-source', '--import', 'tsx', 'examples/fastify/server.ts'], {
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      ASTRAL_URL: `http://127.0.0.1:${SERVICE_PORT}`,
      ASTRAL_REVOCATION_FEED_TOKEN: FEED_TOKEN,
      COOKIE_SECURE: 'false',
      SESSION_CACHE_MS: '0',
      PORT: String(APP_PORT),
    },
  });
}

async function signIn(): Promise<{ accessToken: string; sessionToken: string }> {
  const client = createClient({ baseUrl: `http://127.0.0.1:${SERVICE_PORT}` });
  const email = `bench.${Date.now()}@example.test`;
  const password = `orbit lantern ${randomBytes(6).toString('hex')} meadow`;
  await client.register({ email, password });
  const login = await client.login({ email, password });
  if (!login.ok || login.data.status !== 'authenticated') throw new Error('login failed');
  // Past the skew window of the verifier's first connection: every request is judged locally.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  return login.data;
}

function measure(modes: Record<string, string>): Map<string, Figures[]> {
  const results = new Map<string, Figures[]>(Object.keys(modes).map((mode) => [mode, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [mode, token] of Object.entries(modes)) results.get(mode)!.push(runWrk(token));
  }
  return results;
}

function runWrk(token: string): Figures {
  const url = `http://127.0.0.1:${APP_PORT}${token === '' ? '/' : '/profile'}`;
  const headers = token === '' ? [] : ['-H', `Authorization: Bearer ${token}`];
  const run = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}`, '--latency', ...headers, url], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr}`);
  if (/Non-2xx/.test(run.stdout)) throw new Error(`wrk saw refusals:\n${run.stdout}`);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(run.stdout)![1]), p50: latency(run.stdout, '50%'), p99: latency(run.stdout, '99%') };
}

function latency(output: string, percentile: string): number {
  const match = new RegExp(`${percentile}\\s+([\\d.]+)(us|ms|s)`).exec(output)!;
  const scale = { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
  return Number(match[1]) * scale;
}

function report(results: Map<string, Figures[]>): void {
  const lines = [`| check | req/s (median of ${ROUNDS}) | p50 ms | p99 ms | runs (req/s) |`, '| --- | --- | --- | --- | --- |'];
  for (const [mode, runs] of results) {
    const rps = runs.map((run) => run.rps);
    lines.push(`| ${mode} | ${median(rps).toFixed(0)} | ${median(runs.map((run) => run.p50)).toFixed(2)} | ${median(runs.map((run) => run.p99)).toFixed(2)} | ${rps.map((value) => value.toFixed(0)).join(', ')} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function waitUntilUp(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await fetch(url).then((reply) => reply.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

await main();
