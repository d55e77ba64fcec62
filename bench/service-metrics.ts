// The seed report's own targets, as p99 rather than averages, read from the
// service's own Prometheus metrics (GET /metrics) rather than from the load
// generator: database calls (< 10 ms), session checks (< 25 ms), password
// verifications (< 30 ms), logins (< 50 ms), and the cache hit ratio of a
// steady validation load (> 99 %).
//
// Each astral-auth target of the suite (SQLite; PostgreSQL; PostgreSQL +
// Redis) is started with the suite's settings and gets the suite's users and
// 10,000 sessions. Then three loads, each read apart (the metrics are read
// before and after it, and the difference is what it did): steady Bearer
// session checks (server pinned to core 0, wrk to core 1, as in the suite),
// logins one at a time, and the mixed load (90 % checks, 8 % logins, 2 %
// registrations, which keeps the hashing saturated). A p99 from a histogram
// is the upper bound of the bucket it falls in (the buckets are
// src/observability/metrics.ts's), so the true p99 is at most that.
//
// Run from the project root after `npm run build`:
//   node --import tsx bench/service-metrics.ts [--runs=2] [--no-write]
// Writes bench/results/service-metrics.json (see renderServiceMetrics in lib/report-extra.ts).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { runCleanups } from "./lib/cleanup.ts";
import { astralCommit } from "./lib/machine.ts";
import { loginJobs, mixedJob, pinnedFor, seedSessionSpecs, sessionJobs, type Job, type MeasureContext } from "./lib/measure.ts";
import { parseArgs, readFlags } from "./lib/options.ts";
import { killAllStarted } from "./lib/processes.ts";
import { awaitQuiet } from "./lib/quiet.ts";
import { parseHistograms, p99Bound, type LoadFigures, type ServiceMetricsReport, type ServiceMetricsRun } from "./lib/report-extra.ts";
import { astralPostgres, astralPostgresRedis, astralSqlite } from "./targets/astral.ts";
import { BENCH_DIR, ROOT_DIR } from "./targets/common.ts";

const USAGE = `usage: node --import tsx bench/service-metrics.ts [options]
  --runs=N      steady and mixed runs per target (default 2)
  --max-wait=S  before each run, wait up to S seconds for other work on the machine to stop (default 60)
  --no-write    print the JSON only, do not write bench/results/service-metrics.json`;

const RESULTS_FILE = join(BENCH_DIR, "results", "service-metrics.json");
const log = (msg: string) => console.log(`[service-metrics ${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function scrape(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}

/** Lookups of one tier and result: `astral_cache_lookups_total{tier,result}`. */
function lookups(text: string, tier: string, result: string): number {
  const line = new RegExp(`^astral_cache_lookups_total\\{tier="${tier}",result="${result}"\\} (\\S+)$`, "m").exec(text);
  return Number(line?.[1] ?? 0);
}

/** What the instance did between two readings of its metrics. */
function between(before: string, after: string): Omit<LoadFigures, "load"> {
  const tier = (name: string) => ({
    hit: lookups(after, name, "hit") - lookups(before, name, "hit"),
    miss: lookups(after, name, "miss") - lookups(before, name, "miss"),
  });
  const [from, to] = [parseHistograms(before), parseHistograms(after)];
  const p99 = (name: string, where: (labels: Record<string, string>) => boolean = () => true) => p99Bound(to, name, where, from);
  return {
    l1: tier("l1"),
    l2: tier("l2"),
    queryMs: p99("astral_db_query_duration_seconds"),
    validationMs: p99("astral_session_validation_duration_seconds", (l) => l.result === "valid"),
    verifyMs: p99("astral_password_duration_seconds", (l) => l.operation === "verify"),
    loginMs: p99("astral_http_request_duration_seconds", (l) => l.route === "/v1/login" && l.status === "200"),
  };
}

let busyBefore = 0;

/**
 * One load on the job's cores, as the suite runs it: the warm-up (and, before
 * steady checks, one full run so that every session has been asked for once:
 * a session's first check reads the store, by design, and is no miss of a
 * steady load), then the metrics, `runs` measured runs, the metrics again.
 */
function measureLoad(job: Job, load: LoadFigures["load"], runs: number, maxWaitS: number, baseUrl: string): Promise<LoadFigures> {
  return pinnedFor(job, async () => {
    await job.warmup();
    if (load === "steady session checks") await job.once();
    const before = await scrape(baseUrl);
    for (let i = 0; i < runs; i++) {
      busyBefore = Math.max(busyBefore, await awaitQuiet(maxWaitS, log, job.inst.proc ? [job.inst.proc.pid] : []));
      const r = await job.once();
      log(`  ${job.workload}/${job.variant}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(2)} ms${r.failures ? `, ${r.failures} FAILURES` : ""}`);
    }
    return { load, ...between(before, await scrape(baseUrl)) };
  });
}

async function measure(target: typeof astralSqlite, runs: number, maxWaitS: number): Promise<ServiceMetricsRun> {
  const tmpDir = mkdtempSync(join(tmpdir(), "astral-service-metrics-"));
  const { settings } = parseArgs([]);
  const ctx: MeasureContext = { settings, tmpDir, log };
  const inst = await target.start({ tmpDir, settings });
  try {
    const users = await inst.seedUsers!(settings.users);
    const sessions = await seedSessionSpecs(ctx, inst, users);
    log(`${target.label}: ${users.length} users, ${settings.sessions} sessions`);
    const steady = (await sessionJobs(ctx, target, inst, sessions)).find((job) => job.variant === "bearer");
    const oneAtATime = (await loginJobs(ctx, target, inst, users)).find((job) => job.variant === "c1");
    if (!steady || !oneAtATime) throw new Error(`${target.id}: no Bearer session job or no login job at c=1`);
    const loads: [LoadFigures["load"], Job][] = [
      ["steady session checks", steady],
      ["logins one at a time", oneAtATime],
      ["mixed load", await mixedJob(ctx, target, inst, users, sessions)],
    ];
    const figures: LoadFigures[] = [];
    for (const [load, job] of loads) figures.push(await measureLoad(job, load, runs, maxWaitS, inst.baseUrl));
    return { id: target.id, label: target.label, loads: figures };
  } finally {
    await inst.stop();
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2), USAGE, ["runs", "max-wait", "no-write"]);
  const runs = Number(flags.get("runs") ?? 2);
  const maxWaitS = Number(flags.get("max-wait") ?? 60);
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a whole number of at least 1");
  const results: ServiceMetricsRun[] = [];
  for (const target of [astralSqlite, astralPostgres, astralPostgresRedis]) {
    if (target.unavailable?.()) throw new Error(`${target.label}: ${target.unavailable()}`);
    results.push(await measure(target, runs, maxWaitS));
  }
  const report: ServiceMetricsReport = {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    astral: astralCommit(ROOT_DIR),
    busyBefore,
    runs,
    results,
  };
  const json = JSON.stringify(report, null, 2);
  if (!flags.has("no-write")) {
    if (!existsSync(join(BENCH_DIR, "results"))) mkdirSync(join(BENCH_DIR, "results"));
    writeFileSync(RESULTS_FILE, `${json}\n`);
    log(`written: ${RESULTS_FILE}`);
  } else {
    console.log(json);
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAllStarted();
    void runCleanups().finally(() => process.exit(130));
  });
}
main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
