// How long a revocation made on one instance takes to be seen by another:
// two `node dist/cli.js serve` processes (A and B) on one fresh PostgreSQL
// database and one Redis prefix. Every session is first checked on both, so
// both caches hold it; then it is revoked on A, and from the moment A's answer
// arrives, B is asked GET /v1/session over a kept-alive connection, again and
// again, until it answers 401. Three kinds of revocation: one session
// (POST /v1/logout), all of a user's (POST /v1/logout-all), and the other
// sessions of a user whose password changed (POST /v1/password).
//
// Run from the project root after `npm run build`:
//   node --import tsx bench/revocation.ts [--sessions=500] [--logout-all=500] [--password=200]
// Writes bench/results/revocation.json (see renderRevocation in lib/report-extra.ts).
// The database (bench_revoke_<random>) is dropped and the Redis keys under
// the run's own prefix are deleted at the end, also on Ctrl-C.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { onCleanup, runCleanups } from "./lib/cleanup.ts";
import { expectStatus, mapLimit, postJson, send } from "./lib/http.ts";
import { astralCommit, redisVersion } from "./lib/machine.ts";
import { readFlags } from "./lib/options.ts";
import { createDatabase, serverVersion } from "./lib/postgres.ts";
import { freePort, killAllStarted, startProcess, stopProcess, waitForHttp, type Proc } from "./lib/processes.ts";
import { awaitQuiet } from "./lib/quiet.ts";
import type { DelayStats, RevocationKind, RevocationReport } from "./lib/report-extra.ts";
import { deleteRedisKeys } from "./targets/astral.ts";
import { BENCH_DIR, ROOT_DIR, benchPassword, randomId } from "./targets/common.ts";

const USAGE = `usage: node --import tsx bench/revocation.ts [options]
  --sessions=N     single-session revocations (POST /v1/logout), default 500
  --logout-all=N   user-wide revocations (POST /v1/logout-all), default 500 (0 to skip)
  --password=N     password changes ending the user's other sessions, default 200 (0 to skip)
  --give-up=MS     stop asking B after this long and count the revocation as not seen (default 5000)
  --max-wait=S     before each kind, wait up to S seconds for other work on the machine to stop (default 60)
  --no-write       print the JSON only, do not write bench/results/revocation.json`;

const CLI = join(ROOT_DIR, "dist", "cli.js");
const RESULTS_FILE = join(BENCH_DIR, "results", "revocation.json");
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
/** Sessions per user for single-session revocations. */
const SESSIONS_PER_USER = 10;
/** Accounts are made and logged in this many at a time: each costs an argon2id hash or verification. */
const SEED_CONCURRENCY = 4;
const log = (msg: string) => console.log(`[revocation ${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface Options { sessions: number; logoutAll: number; password: number; giveUpMs: number; maxWaitS: number; write: boolean }

function parseArgs(argv: string[]): Options {
  const flags = readFlags(argv, USAGE, ["sessions", "logout-all", "password", "give-up", "max-wait", "no-write"]);
  const count = (name: string, fallback: number) => {
    const n = Number(flags.get(name) ?? fallback);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} takes a whole number`);
    return n;
  };
  return {
    sessions: count("sessions", 500), logoutAll: count("logout-all", 500), password: count("password", 200),
    giveUpMs: count("give-up", 5000), maxWaitS: count("max-wait", 60), write: !flags.has("no-write"),
  };
}

/** One kept-alive connection to an instance, for requests timed from the client side. */
class Connection {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  constructor(readonly baseUrl: string) {}

  /** Sends a request and resolves with its status once the whole answer has arrived. */
  request(method: string, path: string, token: string, body?: unknown): Promise<number> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (payload !== undefined) headers["content-type"] = "application/json";
    return new Promise((resolve, reject) => {
      const req = http.request(new URL(path, this.baseUrl), { method, agent: this.agent, headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

interface Account { email: string; password: string }
interface Probe {
  /** The token whose check on B must start failing. */
  watched: string;
  /** Revokes on A; resolves with A's status. */
  revoke(a: Connection): Promise<number>;
}

function stats(values: number[]): DelayStats {
  const sorted = [...values].sort((x, y) => x - y);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / (sorted.length || 1);
  return { count: sorted.length, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: sorted.at(-1) ?? NaN, mean };
}

async function startInstance(name: string, env: Record<string, string>, tmpDir: string): Promise<{ proc: Proc; baseUrl: string }> {
  const port = await freePort();
  const proc = startProcess({
    name,
    command: process.execPath,
    args: [CLI, "serve"],
    cwd: ROOT_DIR,
    env: { ...env, ASTRAL_PORT: String(port), ASTRAL_DATA_DIR: join(tmpDir, name) },
    logFile: join(tmpDir, `${name}.log`),
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(proc, `${baseUrl}/v1/session`);
  return { proc, baseUrl };
}

async function register(baseUrl: string, tag: string, count: number): Promise<Account[]> {
  const accounts = Array.from({ length: count }, (_, i) => ({ email: `revoke-${tag}-${i}@bench.test`, password: benchPassword(i) }));
  await mapLimit(accounts, SEED_CONCURRENCY, async (account, i) => {
    expectStatus(await send(baseUrl, postJson("/v1/register", { ...account, name: `Revoke ${i}` }, baseUrl)), 201, "register");
  });
  return accounts;
}

async function login(baseUrl: string, account: Account): Promise<string> {
  const res = await send(baseUrl, postJson("/v1/login", account, baseUrl));
  expectStatus(res, 200, "login");
  return (JSON.parse(res.body) as { sessionToken: string }).sessionToken;
}

/** Builds the probes of one kind; each gets its own accounts, so no revocation touches another's sessions. */
async function prepare(kind: RevocationKind["kind"], count: number, a: string, b: string): Promise<Probe[]> {
  const tag = `${kind}-${randomId()}`;
  if (kind === "session") {
    const accounts = await register(a, tag, Math.ceil(count / SESSIONS_PER_USER));
    const owners = Array.from({ length: count }, (_, i) => accounts[i % accounts.length]!);
    // Logins alternate between the instances: each caches the sessions it made itself, the other reads them.
    const tokens = await mapLimit(owners, SEED_CONCURRENCY, (account, i) => login(i % 2 ? b : a, account));
    return tokens.map((token) => ({ watched: token, revoke: (on) => on.request("POST", "/v1/logout", token) }));
  }
  const accounts = await register(a, tag, count);
  if (kind === "logout-all") {
    const tokens = await mapLimit(accounts, SEED_CONCURRENCY, (account, i) => login(i % 2 ? b : a, account));
    return tokens.map((token) => ({ watched: token, revoke: (on) => on.request("POST", "/v1/logout-all", token) }));
  }
  // A password change keeps the caller's session and ends the others: B watches one of the others.
  return mapLimit(accounts, SEED_CONCURRENCY, async (account, i) => {
    const caller = await login(a, account);
    const other = await login(i % 2 ? b : a, account);
    const change = { currentPassword: account.password, newPassword: benchPassword(i + count) };
    return { watched: other, revoke: (on) => on.request("POST", "/v1/password", caller, change) };
  });
}

async function measureKind(kind: RevocationKind["kind"], label: string, probes: Probe[], a: Connection, b: Connection, giveUpMs: number): Promise<RevocationKind> {
  const delays: number[] = [];
  const calls: number[] = [];
  const checks: number[] = [];
  let stale = 0;
  let timedOut = 0;
  // Both caches hold every session before the first revocation.
  for (const probe of probes) {
    for (const on of [a, b]) {
      const status = await on.request("GET", "/v1/session", probe.watched);
      if (status !== 200) throw new Error(`${kind}: warming ${on.baseUrl} answered ${status}`);
    }
  }
  for (const probe of probes) {
    const checkStart = performance.now();
    const before = await b.request("GET", "/v1/session", probe.watched);
    checks.push(performance.now() - checkStart);
    if (before !== 200) throw new Error(`${kind}: B refused a session before its revocation (${before})`);
    const sent = performance.now();
    const status = await probe.revoke(a);
    const answered = performance.now();
    if (status !== 204) throw new Error(`${kind}: revocation on A answered ${status}`);
    calls.push(answered - sent);
    for (;;) {
      const seen = await b.request("GET", "/v1/session", probe.watched);
      const now = performance.now();
      if (seen === 401) { delays.push(now - answered); break; }
      if (seen !== 200) throw new Error(`${kind}: B answered ${seen} while waiting for 401`);
      stale++;
      if (now - answered > giveUpMs) { timedOut++; break; }
    }
  }
  return { kind, label, delay: stats(delays), revokeCall: stats(calls), cachedCheck: stats(checks), staleAnswers: stale, timedOut };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) throw new Error("dist/cli.js not built: run `npm run build` first");
  const tmpDir = mkdtempSync(join(tmpdir(), "astral-revocation-"));
  const removeTmp = onCleanup(async () => rmSync(tmpDir, { recursive: true, force: true }));
  const prefix = `astral-bench-revoke-${randomId()}:`;
  const dropKeys = onCleanup(async () => deleteRedisKeys(prefix));
  const database = await createDatabase("revoke");
  const procs: Proc[] = [];
  const connections: Connection[] = [];
  try {
    const env: Record<string, string> = {
      NODE_ENV: "production",
      ASTRAL_HOST: "127.0.0.1",
      ASTRAL_LOG_LEVEL: "warn",
      ASTRAL_COOKIE_SECURE: "false",
      DATABASE_URL: database.url,
      REDIS_URL,
      ASTRAL_REDIS_PREFIX: prefix,
      ASTRAL_SECRET_KEY: randomBytes(32).toString("base64"),
      // Seeding logs many accounts in from one address: the per-address limits are raised, not turned off.
      ASTRAL_RATE_LOGIN: "1000000",
      ASTRAL_RATE_REGISTER: "1000000",
      ASTRAL_RATE_PASSWORD: "1000000",
      ASTRAL_RATE_GENERAL: "1000000",
      ASTRAL_MAX_SESSIONS: String(SESSIONS_PER_USER),
    };
    // A first, alone: it applies the migrations B then finds done.
    const a = await startInstance("astral-a", env, tmpDir);
    procs.push(a.proc);
    const b = await startInstance("astral-b", env, tmpDir);
    procs.push(b.proc);
    log(`A at ${a.baseUrl}, B at ${b.baseUrl}, database ${database.name}, Redis prefix ${prefix}`);

    const plan: [RevocationKind["kind"], string, number][] = [
      ["session", "one session (POST /v1/logout)", options.sessions],
      ["logout-all", "all of a user's sessions (POST /v1/logout-all)", options.logoutAll],
      ["password", "a user's other sessions (POST /v1/password)", options.password],
    ];
    const kinds: RevocationKind[] = [];
    let busyBefore = 0;
    for (const [kind, label, count] of plan) {
      if (count === 0) continue;
      const t0 = Date.now();
      const probes = await prepare(kind, count, a.baseUrl, b.baseUrl);
      log(`${kind}: ${probes.length} sessions ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      busyBefore = Math.max(busyBefore, await awaitQuiet(options.maxWaitS, log, procs.map((p) => p.pid)));
      const onA = new Connection(a.baseUrl);
      const onB = new Connection(b.baseUrl);
      connections.push(onA, onB);
      const result = await measureKind(kind, label, probes, onA, onB, options.giveUpMs);
      kinds.push(result);
      const d = result.delay;
      log(`${kind}: seen by B after p50 ${d.p50.toFixed(2)} ms, p95 ${d.p95.toFixed(2)}, p99 ${d.p99.toFixed(2)}, max ${d.max.toFixed(2)}` +
        ` (a cached check on B: p50 ${result.cachedCheck.p50.toFixed(2)} ms); ${result.staleAnswers} stale answers, ${result.timedOut} never refused`);
    }

    const report: RevocationReport = {
      date: new Date().toISOString(),
      node: process.version,
      cores: availableParallelism(),
      astral: astralCommit(ROOT_DIR),
      postgres: await serverVersion(),
      redis: redisVersion(["-u", REDIS_URL]),
      busyBefore,
      settings: { instances: 2, "sessions per user (logout)": SESSIONS_PER_USER, "give up after ms": options.giveUpMs },
      kinds,
    };
    const round = (_key: string, value: unknown) => (typeof value === "number" && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value);
    const json = JSON.stringify(report, round, 1);
    if (options.write) {
      mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
      writeFileSync(RESULTS_FILE, `${json}\n`);
      log("written to bench/results/revocation.json");
    } else console.log(json);
  } finally {
    for (const c of connections) c.close();
    for (const proc of procs.reverse()) await stopProcess(proc);
    await database.drop();
    await dropKeys();
    await removeTmp();
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAllStarted();
    void runCleanups().finally(() => process.exit(130));
  });
}
main().catch(async (err: unknown) => {
  killAllStarted();
  await runCleanups();
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
