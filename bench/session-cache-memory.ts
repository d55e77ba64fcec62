// Memory of the in-process session cache (L1), measured on the real service:
// `node dist/cli.js serve` on its own SQLite database, into which users and
// sessions are written directly (token hashes as the service stores them,
// users sharing one argon2id hash). Every session is then checked once with
// GET /v1/session (Bearer), which fills L1, and the process's memory is read:
// resident size from /proc/<pid>/status as it is, then heap and RSS after a
// full GC (a probe preloaded into the server answers SIGUSR2 with gc() and
// process.memoryUsage(); nothing else of the server changes).
//
// Run from the project root after `npm run build`:
//   node --import tsx bench/session-cache-memory.ts [--sessions=100000,1000000]
//     [--sessions-per-user=1] [--connections=64] [--no-write]
// Writes bench/results/memory.json (see renderMemory in lib/report-extra.ts).
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { hash as argon2id } from "@node-rs/argon2";
import Database from "better-sqlite3";
import { astralCommit } from "./lib/machine.ts";
import { readFlags } from "./lib/options.ts";
import { freePort, killAllStarted, logTail, startProcess, stopProcess, waitForHttp, type Proc } from "./lib/processes.ts";
import type { MemoryReport, MemoryRun, MemorySnapshot } from "./lib/report-extra.ts";
import { BENCH_DIR, ROOT_DIR } from "./targets/common.ts";

const USAGE = `usage: node --import tsx bench/session-cache-memory.ts [options]
  --sessions=N[,N...]     cache sizes to measure, one fresh server each (default 100000,1000000)
  --sessions-per-user=K   sessions per user (default 1: no two cached sessions share a user)
  --connections=N         concurrent keep-alive connections filling the cache (default 64)
  --no-write              print the JSON only, do not write bench/results/memory.json`;

const CLI = join(ROOT_DIR, "dist", "cli.js");
const RESULTS_FILE = join(BENCH_DIR, "results", "memory.json");
const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
];
// Loaded into the server with --import: on SIGUSR2, two full collections, then
// the memory figures into the file named by BENCH_MEMORY_PROBE.
const PROBE = `data:text/javascript,${encodeURIComponent(`
import { writeFileSync } from "node:fs";
process.on("SIGUSR2", () => {
  globalThis.gc(); globalThis.gc();
  writeFileSync(process.env.BENCH_MEMORY_PROBE, JSON.stringify(process.memoryUsage()));
});`)}`;

const MiB = 1_048_576;
const log = (msg: string) => console.log(`[memory ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function parseArgs(argv: string[]) {
  const flags = readFlags(argv, USAGE, ["sessions", "sessions-per-user", "connections", "no-write"]);
  const positive = (name: string, fallback: number) => {
    const n = Number(flags.get(name) ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const sizes = (flags.get("sessions") ?? "100000,1000000").split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--sessions takes positive integers");
  return { sizes, perUser: positive("sessions-per-user", 1), connections: positive("connections", 64), write: !flags.has("no-write") };
}

/** Applies the service's migrations with its own CLI, then writes users and sessions straight into the file. */
async function seed(dataDir: string, sessions: number, perUser: number): Promise<string[]> {
  execFileSync(process.execPath, [CLI, "migrate"], { env: { ...process.env, ASTRAL_DATA_DIR: dataDir }, stdio: "ignore" });
  const db = new Database(join(dataDir, "astral-auth.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const sharedHash = await argon2id(`bench-${randomBytes(8).toString("hex")}-pw`, { algorithm: 2 });
  const insertUser = db.prepare(`INSERT INTO users (id, email, name, image, role, "teamName", "hashedPassword", "hashOrigin", "createdAt", "updatedAt")
    VALUES (?, ?, ?, ?, 'user', ?, ?, 'native', ?, ?)`);
  const insertSession = db.prepare(`INSERT INTO sessions (id, "tokenHash", "userId", "createdAt", "expiresAt", "lastSeenAt", ip, "userAgent")
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const now = Date.now();
  const tokens: string[] = [];
  const batch = db.transaction((from: number, to: number) => {
    let userId = "";
    for (let i = from; i < to; i++) {
      if (i % perUser === 0) {
        const u = i / perUser;
        userId = randomUUID();
        insertUser.run(userId, `player.${u}.${randomBytes(3).toString("hex")}@astralfield.example`, `Player Number ${u}`,
          u % 3 === 0 ? `https://images.example.com/avatars/${u}.png` : null, u % 5 === 0 ? null : `Team ${u % 997}`, sharedHash, now, now);
      }
      const token = `ast_${randomBytes(32).toString("base64url")}`;
      tokens.push(token);
      insertSession.run(randomBytes(16).toString("base64url"), createHash("sha256").update(token).digest(), userId, now, now + 7 * 86_400_000,
        now, clientIp(i), clientAgent(i));
    }
  });
  // Batches end on a user boundary, so a user's sessions are written with it.
  const step = perUser * Math.max(1, Math.floor(20_000 / perUser));
  for (let from = 0; from < sessions; from += step) batch(from, Math.min(sessions, from + step));
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return tokens;
}

function procStatus(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** Memory after two full collections in the server, as its own process.memoryUsage() sees it. */
async function snapshotAfterGc(proc: Proc, probeFile: string): Promise<MemorySnapshot> {
  rmSync(probeFile, { force: true });
  process.kill(proc.pid, "SIGUSR2");
  const deadline = Date.now() + 30_000;
  while (!existsSync(probeFile)) {
    if (Date.now() > deadline) throw new Error(`the memory probe did not answer\n${logTail(proc)}`);
    await sleep(50);
  }
  await sleep(50);
  const usage = JSON.parse(readFileSync(probeFile, "utf8")) as NodeJS.MemoryUsage;
  const { rss } = procStatus(proc.pid);
  return { rssMiB: rss / MiB, heapUsedMiB: usage.heapUsed / MiB, heapTotalMiB: usage.heapTotal / MiB, externalMiB: usage.external / MiB };
}

/** Session i's client: its address (forwarded by the trusted proxy, 127.0.0.1) and user agent. */
const clientIp = (i: number) => `203.0.${(i >> 8) & 255}.${i & 255}`;
const clientAgent = (i: number) => USER_AGENTS[i % USER_AGENTS.length]!;

/**
 * GET /v1/session once for each of `indexes`, from that session's own client
 * (so no risk signal is raised), over `connections` kept-alive connections;
 * returns the statuses seen.
 */
async function checkAll(baseUrl: string, tokens: string[], indexes: number[], connections: number, onProgress?: (done: number) => void): Promise<Map<number, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL("/v1/session", baseUrl);
  const statuses = new Map<number, number>();
  let next = 0;
  let done = 0;
  const one = (i: number) => new Promise<number>((resolve, reject) => {
    const headers = { authorization: `Bearer ${tokens[i]}`, "x-forwarded-for": clientIp(i), "user-agent": clientAgent(i) };
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(30_000, () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
  });
  async function worker() {
    while (next < indexes.length) {
      const status = await one(indexes[next++]!);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (++done % 100_000 === 0) onProgress?.(done);
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  return statuses;
}

async function l1Lookups(baseUrl: string): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const read = (result: string) => Number(new RegExp(`^astral_cache_lookups_total\\{tier="l1",result="${result}"\\} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  return { hit: read("hit"), miss: read("miss") };
}

async function measure(sessions: number, perUser: number, connections: number): Promise<MemoryRun> {
  const workDir = mkdtempSync(join(tmpdir(), "astral-memory-"));
  let proc: Proc | undefined;
  try {
    const dataDir = join(workDir, "data");
    mkdirSync(dataDir);
    let t0 = Date.now();
    const tokens = await seed(dataDir, sessions, perUser);
    log(`${sessions.toLocaleString("en-US")} sessions of ${Math.ceil(sessions / perUser).toLocaleString("en-US")} users written in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const port = await freePort();
    const probeFile = join(workDir, "probe.json");
    proc = startProcess({
      name: "astral-memory",
      command: process.execPath,
      args: ["--expose-gc", "--import", PROBE, CLI, "serve"],
      cwd: ROOT_DIR,
      env: {
        NODE_ENV: "production",
        ASTRAL_HOST: "127.0.0.1",
        ASTRAL_PORT: String(port),
        ASTRAL_DATA_DIR: dataDir,
        ASTRAL_LOG_LEVEL: "warn",
        // The checks come through a proxy on 127.0.0.1 that names each session's own client.
        ASTRAL_TRUSTED_PROXIES: "127.0.0.1",
        // Room for every session, and entries that outlive the fill (default 5 minutes).
        ASTRAL_CACHE_MAX_SESSIONS: String(Math.ceil(sessions * 1.1)),
        ASTRAL_CACHE_TTL: "1h",
        BENCH_MEMORY_PROBE: probeFile,
      },
      logFile: join(workDir, "server.log"),
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(proc, `${baseUrl}/v1/session`);
    // One request warms the routes (and the code paths) before the empty-cache figure.
    await checkAll(baseUrl, tokens, [0], 1);
    const empty = await snapshotAfterGc(proc, probeFile);

    t0 = Date.now();
    const statuses = await checkAll(baseUrl, tokens, tokens.map((_, i) => i), connections, (done) => log(`  ${done.toLocaleString("en-US")} checked`));
    const fillS = (Date.now() - t0) / 1000;
    const ok = statuses.get(200) ?? 0;
    if (ok !== sessions) throw new Error(`expected ${sessions} answers 200, got ${JSON.stringify(Object.fromEntries(statuses))}\n${logTail(proc)}`);
    await sleep(2000);
    const filled = procStatus(proc.pid);
    const afterFill = await l1Lookups(baseUrl);
    // A sample checked again must be answered from L1: the cache holds what was filled.
    const every = Math.max(1, Math.floor(sessions / 10_000));
    const sample = tokens.map((_, i) => i).filter((i) => i % every === 0);
    await checkAll(baseUrl, tokens, sample, connections);
    const afterSample = await l1Lookups(baseUrl);
    const full = await snapshotAfterGc(proc, probeFile);
    const run: MemoryRun = {
      sessions,
      users: Math.ceil(sessions / perUser),
      fillSeconds: fillS,
      fillPerSecond: sessions / fillS,
      l1Misses: afterFill.miss,
      sampleChecked: sample.length,
      sampleL1Hits: afterSample.hit - afterFill.hit,
      riskEvents: NaN,
      empty,
      filledRssMiB: filled.rss / MiB,
      peakRssMiB: filled.hwm / MiB,
      full,
      bytesPerSession: {
        heap: ((full.heapUsedMiB + full.externalMiB - empty.heapUsedMiB - empty.externalMiB) * MiB) / sessions,
        rss: ((full.rssMiB - empty.rssMiB) * MiB) / sessions,
      },
    };
    await stopProcess(proc);
    const audit = new Database(join(dataDir, "astral-auth.db"), { readonly: true });
    run.riskEvents = (audit.prepare(`SELECT count(*) AS n FROM audit_events WHERE type = 'risk'`).get() as { n: number }).n;
    audit.close();
    log(`  ${Math.round(run.bytesPerSession.heap)} heap bytes/session; after GC heap ${run.full.heapUsedMiB.toFixed(0)} MiB, RSS ${run.full.rssMiB.toFixed(0)} MiB (filled ${run.filledRssMiB.toFixed(0)}, peak ${run.peakRssMiB.toFixed(0)})`);
    return run;
  } finally {
    if (proc) await stopProcess(proc);
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) throw new Error("dist/cli.js not built: run `npm run build` first");
  const report: MemoryReport = {
    date: new Date().toISOString(),
    node: process.version,
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    astral: astralCommit(ROOT_DIR),
    sessionsPerUser: options.perUser,
    connections: options.connections,
    runs: [],
  };
  for (const sessions of options.sizes) report.runs.push(await measure(sessions, options.perUser, options.connections));
  const json = JSON.stringify(report, (_key, value: unknown) => (typeof value === "number" && !Number.isInteger(value) ? Math.round(value * 100) / 100 : value), 1);
  if (options.write) {
    mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
    writeFileSync(RESULTS_FILE, `${json}\n`);
    log(`written to bench/results/memory.json`);
  } else console.log(json);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => { killAllStarted(); process.exit(130); });
}
main().catch((err: unknown) => {
  killAllStarted();
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
