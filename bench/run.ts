// Benchmark suite entry point. Starts every target (each its own process),
// seeds them, then runs the workloads phase by phase (session checks, the
// same at a fixed rate, logins, registrations, a mixed load), interleaving
// the targets round by round; stops them all; then the scale workload grows
// fresh astral-auth stores of its own. Writes bench/results/latest.json and
// docs/benchmarks.md.
// Run from the project root, after `npm run build`:
//   node --import tsx bench/run.ts [--quick] [--only=...] (see --help)
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { parseArgs } from "./lib/options.ts";
import { machineInfo } from "./lib/machine.ts";
import { killAllStarted } from "./lib/processes.ts";
import { runCleanups } from "./lib/cleanup.ts";
import { fixedJob, loginJobs, mixedJob, registerJobs, runInterleaved, seedSessionSpecs, sessionJobs, type Job, type MeasureContext } from "./lib/measure.ts";
import { runScale } from "./lib/scale.ts";
import { estimateSeconds } from "./lib/estimate.ts";
import {
  renderMemory,
  renderRevocation,
  renderServiceMetrics,
  type MemoryReport,
  type RevocationReport,
  type ServiceMetricsReport,
} from "./lib/report-extra.ts";
import { compactJson, renderMarkdown, type Report, type TargetSummary } from "./lib/report.ts";
import type { Credentials, Measurement, RequestSpec, SessionMode, Settings, Workload } from "./lib/types.ts";
import { BENCH_DIR, ROOT_DIR, type Instance, type Target } from "./targets/common.ts";
import { fastifyBare } from "./targets/fastify-bare.ts";
import { handwritten } from "./targets/handwritten.ts";
import { astralPostgres, astralPostgresRedis, astralPostgresRedisWorkers, astralSqlite } from "./targets/astral.ts";
import { betterAuthPostgres, betterAuthSqlite } from "./targets/better-auth.ts";
import { authjs } from "./targets/authjs.ts";
import { argon2Loop } from "./targets/argon2.ts";

/** Every target, in the order they appear. Add new ones here. */
const TARGETS: Target[] = [
  fastifyBare, handwritten, astralSqlite, astralPostgres, astralPostgresRedis, astralPostgresRedisWorkers,
  betterAuthSqlite, betterAuthPostgres, authjs, argon2Loop,
];
/** The fixed-rate workload: the bare route (whose max sets the rate), the hand-written check, astral-auth on each store. */
const FIXED_TARGETS = ["fastify-bare", "handwritten", "astral-sqlite", "astral-postgres", "astral-postgres-redis"];
/** The mixed workload: astral-auth on each store, Better Auth (SQLite), Auth.js. */
const MIXED_TARGETS = ["astral-sqlite", "astral-postgres", "astral-postgres-redis", "astral-postgres-redis-2w", "better-auth-sqlite", "authjs"];
/** Targets that take part in the mixed workload only: pinning one process to a core would hide what its workers add. */
const MIXED_ONLY = ["astral-postgres-redis-2w"];
/** The scale workload's targets (each started again with a store of its own). */
const SCALE_TARGETS: Target[] = [astralSqlite, astralPostgresRedis];

const tmpDirs: string[] = [];
/** Set on interrupt: the phases still unwinding must not write results. */
let aborted = false;
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0]!.slice(0, 300);

interface Live {
  target: Target; inst: Instance; users: Credentials[]; summary: TargetSummary;
  /** Seeded once, on first need (session, fixed or mixed workload). */
  sessions?: Partial<Record<SessionMode, RequestSpec[]>>;
}

/** Targets of the phases that share running instances (every workload but scale). */
function selectTargets(s: Settings): Target[] {
  const { only } = s;
  if (!s.workloads.some((w) => w !== "scale")) return [];
  if (!only) return TARGETS;
  const unknown = only.filter((id) => !TARGETS.some((t) => t.id === id));
  if (unknown.length) throw new Error(`unknown target(s): ${unknown.join(", ")}`);
  // The fixed rate is half the bare route's max, so fixed always brings the bare route.
  const wanted = s.workloads.includes("fixed") ? [...only, "fastify-bare"] : only;
  return TARGETS.filter((t) => wanted.includes(t.id));
}

function selectScaleTargets(s: Settings): Target[] {
  if (!s.workloads.includes("scale")) return [];
  return SCALE_TARGETS.filter((t) => !s.only || s.only.includes(t.id));
}

const RESULTS_FILE = join(BENCH_DIR, "results", "latest.json");
const DOCS_FILE = join(ROOT_DIR, "docs", "benchmarks.md");

const MEMORY_FILE = join(BENCH_DIR, "results", "memory.json");
const REVOCATION_FILE = join(BENCH_DIR, "results", "revocation.json");
const SERVICE_METRICS_FILE = join(BENCH_DIR, "results", "service-metrics.json");
/** Hand-written reading of the figures: why a target is met or missed. Kept with the suite, updated with each published run. */
const ANALYSIS_FILE = join(BENCH_DIR, "analysis.md");

/**
 * The suite's tables, then the cache memory, revocation delay and the
 * service's own p99s from their own scripts (bench/session-cache-memory.ts,
 * bench/revocation.ts, bench/service-metrics.ts) when their results are
 * there, then the analysis.
 */
function renderDocs(report: Report): void {
  const parts = [renderMarkdown(report)];
  if (existsSync(MEMORY_FILE)) parts.push(renderMemory(JSON.parse(readFileSync(MEMORY_FILE, "utf8")) as MemoryReport));
  if (existsSync(REVOCATION_FILE)) parts.push(renderRevocation(JSON.parse(readFileSync(REVOCATION_FILE, "utf8")) as RevocationReport));
  if (existsSync(SERVICE_METRICS_FILE)) {
    parts.push(renderServiceMetrics(JSON.parse(readFileSync(SERVICE_METRICS_FILE, "utf8")) as ServiceMetricsReport));
  }
  if (existsSync(ANALYSIS_FILE)) parts.push(readFileSync(ANALYSIS_FILE, "utf8"));
  mkdirSync(dirname(DOCS_FILE), { recursive: true });
  writeFileSync(DOCS_FILE, `${parts.map((part) => part.trimEnd()).join("\n\n")}\n`);
}

/** Fails early, with the fix, when a tool the suite needs is missing. */
function preflight(): void {
  const need: [string, string[], string][] = [
    ["wrk", ["-v"], "apt-get install -y wrk"],
    ["taskset", ["-V"], "apt-get install -y util-linux"],
  ];
  for (const [cmd, args, fix] of need) {
    const res = spawnSync(cmd, args, { stdio: "ignore" });
    if (res.error) throw new Error(`${cmd} not found: ${fix}`);
  }
  if (availableParallelism() < 2) throw new Error("needs at least 2 cores (server on core 0, wrk on core 1)");
}

/** Starts one target and creates its users; on failure it is stopped and reported. */
async function startTarget(ctx: MeasureContext, target: Target, summary: TargetSummary): Promise<Live | null> {
  const reason = target.unavailable?.();
  if (reason) { log(`${target.label}: skipped, ${reason}`); summary.skipped = reason; return null; }
  let inst: Instance | undefined;
  try {
    const t0 = Date.now();
    inst = await target.start({ tmpDir: ctx.tmpDir, settings: ctx.settings });
    summary.notes = inst.notes;
    const users = inst.seedUsers ? await inst.seedUsers(ctx.settings.users) : [];
    log(`${target.label}: started${users.length ? `, ${users.length} users created` : ""} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { target, inst, users, summary };
  } catch (err) {
    summary.error = errorText(err);
    log(`${target.label}: FAILED to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    await inst?.stop().catch(() => undefined);
    return null;
  }
}

/** Seeds a target's sessions the first time a phase needs them. */
async function ensureSessions(ctx: MeasureContext, l: Live): Promise<Partial<Record<SessionMode, RequestSpec[]>>> {
  if (l.sessions) return l.sessions;
  const t0 = Date.now();
  l.sessions = await seedSessionSpecs(ctx, l.inst, l.users);
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (l.inst.seedSessions) l.summary.seeding = `${ctx.settings.sessions} sessions over ${l.users.length} users, seeded in ${seconds} s`;
  ctx.log(`  ${l.target.label}: ${ctx.settings.sessions} sessions ready in ${seconds} s`);
  return l.sessions;
}

const hasSessions = (l: Live) => Boolean(l.inst.seedSessions || l.inst.sessionRequests);

/**
 * The fixed rate: half the bare route's max req/s, from the session phase of
 * this run, or measured here (warm-up, then one run) when that phase did not run.
 */
async function fixedRate(ctx: MeasureContext, live: Live[], earlier: Measurement[]): Promise<number> {
  const done = earlier.find((m) => m.workload === "session" && m.target === "fastify-bare" && m.variant === "bearer");
  if (done) return done.median.rps / 2;
  const bare = live.find((l) => l.target.id === "fastify-bare");
  if (!bare) throw new Error("the fixed workload needs the bare route running");
  const [job] = await sessionJobs(ctx, bare.target, bare.inst, await ensureSessions(ctx, bare));
  ctx.log("  fixed: measuring the bare route's max req/s first");
  const [m] = await runInterleaved({ ...ctx, settings: { ...ctx.settings, runs: 1 } }, [job!], (_job, err) => { throw err; });
  return m!.median.rps / 2;
}

/** Builds one phase's jobs for every live target (seeding as needed), then runs them interleaved. */
async function runPhase(ctx: MeasureContext, workload: Workload, live: Live[], earlier: Measurement[]): Promise<Measurement[]> {
  log(`phase: ${workload}`);
  const jobs: Job[] = [];
  let rate = NaN;
  if (workload === "fixed") {
    try {
      rate = await fixedRate(ctx, live, earlier);
      log(`  fixed rate: ${rate.toFixed(0)} req/s (half the bare route's max)`);
    } catch (err) {
      log(`  fixed: FAILED to find the rate: ${errorText(err)}`);
      return [];
    }
  }
  for (const l of live) {
    const { target, inst, users } = l;
    try {
      if (workload !== "mixed" && MIXED_ONLY.includes(target.id)) continue;
      if (workload === "session" && hasSessions(l)) jobs.push(...await sessionJobs(ctx, target, inst, await ensureSessions(ctx, l)));
      if (workload === "fixed" && FIXED_TARGETS.includes(target.id) && hasSessions(l)) {
        const bearer = (await ensureSessions(ctx, l)).bearer;
        if (bearer?.length) jobs.push(await fixedJob(ctx, target, inst, bearer, rate));
      }
      if (workload === "login" && (inst.login || inst.loop)) jobs.push(...await loginJobs(ctx, target, inst, users));
      if (workload === "register" && inst.register) jobs.push(...await registerJobs(ctx, target, inst));
      if (workload === "mixed" && MIXED_TARGETS.includes(target.id) && inst.mixed) {
        jobs.push(await mixedJob(ctx, target, inst, users, await ensureSessions(ctx, l)));
      }
    } catch (err) {
      l.summary.error = `${workload}: ${errorText(err)}`;
      log(`  ${target.label}: ${workload} setup FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
  }
  return runInterleaved(ctx, jobs, (job, err) => {
    const l = live.find((x) => x.target === job.target)!;
    l.summary.error = `${job.workload}/${job.variant}: ${errorText(err)}`;
    log(`  ${job.target.label} ${job.workload}/${job.variant}: FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  });
}

async function main() {
  const { settings, writeDocs, renderOnly } = parseArgs(process.argv.slice(2));
  if (renderOnly) return renderDocs(JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as Report);
  preflight();
  const started = Date.now();
  // Taken before anything starts: the build under test is the one there now.
  const machine = await machineInfo(BENCH_DIR, ROOT_DIR);
  const tmpDir = mkdtempSync(join(tmpdir(), "astral-bench-"));
  tmpDirs.push(tmpDir);
  const ctx: MeasureContext = { settings, tmpDir, log };
  const summaries: TargetSummary[] = [];
  const measurements: Measurement[] = [];
  const live: Live[] = [];
  const targets = selectTargets(settings);
  const scaleTargets = selectScaleTargets(settings);
  log(`${settings.quick ? "quick" : "full"} suite: ${settings.workloads.join(", ")}; ${settings.sessions} sessions, ${settings.runs} round(s), temp dir ${tmpDir}`);
  log(`expected duration on an idle 2-core machine: about ${Math.ceil(estimateSeconds(settings, targets.map((t) => t.id), scaleTargets.length) / 60)} min (longer while other work keeps it busy)`);
  let scale: Report["scale"];
  try {
    for (const target of targets) {
      const summary: TargetSummary = { id: target.id, label: target.label, notes: [] };
      summaries.push(summary);
      const l = await startTarget(ctx, target, summary);
      if (l) live.push(l);
    }
    for (const workload of settings.workloads) {
      if (aborted || workload === "scale") continue;
      measurements.push(...await runPhase(ctx, workload, live, measurements));
    }
  } finally {
    for (const l of live) await l.inst.stop().catch((err: unknown) => log(`${l.target.label}: stop failed: ${String(err)}`));
  }
  if (scaleTargets.length && !aborted) {
    const result = await runScale(ctx, scaleTargets, () => aborted);
    measurements.push(...result.measurements);
    scale = result.summaries;
  }

  if (aborted) return;
  const report: Report = {
    machine,
    settings,
    targets: summaries,
    measurements,
    elapsedS: (Date.now() - started) / 1000,
    argv: process.argv.slice(2),
    ...(scale ? { scale } : {}),
  };
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, compactJson(report));
  if (writeDocs) renderDocs(report);
  rmSync(tmpDir, { recursive: true, force: true });
  log(`done in ${Math.round(report.elapsedS)} s: bench/results/latest.json${writeDocs ? ", docs/benchmarks.md" : ""}`);
}

/** On interruption: kill what we started (by pid), drop databases, delete Redis keys, remove the temp dir. */
async function abort(code: number): Promise<never> {
  aborted = true;
  killAllStarted();
  await runCleanups();
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void abort(130));
main().catch((err: unknown) => {
  console.error(err);
  void abort(1);
});
