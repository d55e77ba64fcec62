// The scale workload: does a check, a login or a registration cost more when
// the store holds a million users and sessions than when it holds a thousand?
//
// Each scale target (astral-auth on SQLite, and on PostgreSQL + Redis) gets a
// fresh instance of its own, and one store that grows in place through the
// sizes (--scale-sizes): the service keeps running, rows are added straight
// into its tables (see lib/astral-db.ts). At each size, for every target:
//   1. first use: session checks over sessions never asked for before (so not
//      in the service's cache: each one is read from the store), wrk at one
//      connection, each session once (stopped after that many answers);
//   2. the sample (--scale-sample sessions drawn at random over the whole
//      table) is asked for once each through Node, which also checks the
//      answers, so the measured runs find them all cached, as a busy service does;
//   3. then, interleaved by rounds like the other workloads: session checks by
//      Bearer token over the sample (server pinned to core 0, wrk to core 1),
//      logins at c=1 of users drawn over the whole table, registrations at c=16.
import { setTimeout as sleep } from "node:timers/promises";
import { expectStatus, mapLimit, send } from "./http.ts";
import { awaitQuiet } from "./quiet.ts";
import { medianRun } from "./stats.ts";
import { runWrk, writeRequests } from "./wrk.ts";
import { ALL_CPUS, REGISTER_CONCURRENCY, SERVER_CPU, WRK_CPU, runInterleaved, wrkJob, type Job, type MeasureContext } from "./measure.ts";
import { logTail, setAffinity } from "./processes.ts";
import type { Measurement, RequestSpec, TableCounts } from "./types.ts";
import type { Instance, Target } from "../targets/common.ts";
import { join } from "node:path";

/** Sessions asked for the first time in the first-use run, at each size. */
export const FIRST_USE = 500;
/** Distinct users the c=1 login runs cycle over, drawn over the whole table. */
const LOGIN_USERS = 2000;

export interface ScaleStep { size: number; added: number; seconds: number; counts: TableCounts }

export interface ScaleSummary {
  id: string;
  label: string;
  notes: string[];
  steps: ScaleStep[];
  seeding?: string;
  error?: string;
}

interface Running { target: Target; inst: Instance; summary: ScaleSummary }

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0]!.slice(0, 300);

async function firstUse(ctx: MeasureContext, r: Running, size: number, counts: TableCounts): Promise<Measurement> {
  const { inst, target } = r;
  const specs = inst.scale!.freshSessions(FIRST_USE);
  const file = writeRequests(join(ctx.tmpDir, `${target.id}-scale-${size}-first-use.txt`), specs);
  const proc = inst.proc;
  try {
    if (proc) setAffinity(proc, SERVER_CPU);
    const busyBefore = await awaitQuiet(ctx.settings.maxQuietWaitS, ctx.log, proc ? [proc.pid] : []);
    const run = await runWrk({
      baseUrl: inst.baseUrl, requestsFile: file, connections: 1, durationS: ctx.settings.sessionDurationS,
      check: { status: 200, bodyMarker: '"user"' }, stopAfter: specs.length, cpus: WRK_CPU,
    });
    // wrk waits out the duration after the stop: the rate is not meaningful, the latencies are.
    const result = { ...run, rps: NaN, busyBefore };
    return {
      workload: "scale", target: target.id, label: target.label, role: target.role, variant: "first-use",
      connections: 1, runs: [result], median: medianRun([result]), size, counts,
      note: `${run.requests} sessions, each asked for once, none in the cache before`,
    };
  } finally {
    if (proc && proc.child.exitCode === null) setAffinity(proc, ALL_CPUS);
  }
}

/** Prewarms the sample: every session once, through Node, every answer checked. */
async function prewarm(r: Running, specs: RequestSpec[]) {
  await mapLimit(specs, 16, async (spec) => expectStatus(await send(r.inst.baseUrl, spec), 200, `${r.target.id} scale prewarm`));
}

export async function runScale(ctx: MeasureContext, targets: Target[], isAborted: () => boolean): Promise<{ measurements: Measurement[]; summaries: ScaleSummary[] }> {
  const { settings, log } = ctx;
  const running: Running[] = [];
  const summaries: ScaleSummary[] = [];
  const measurements: Measurement[] = [];
  log(`phase: scale (sizes ${settings.scaleSizes.map((n) => n.toLocaleString("en-US")).join(", ")})`);
  try {
    for (const target of targets) {
      const summary: ScaleSummary = { id: target.id, label: target.label, notes: [], steps: [] };
      summaries.push(summary);
      const reason = target.unavailable?.();
      if (reason) { summary.error = `skipped: ${reason}`; continue; }
      try {
        const inst = await target.start({ tmpDir: ctx.tmpDir, settings, purpose: "scale" });
        summary.notes = inst.notes;
        if (!inst.scale) { await inst.stop(); summary.error = "no scale hooks"; continue; }
        running.push({ target, inst, summary });
      } catch (err) {
        summary.error = `start: ${errorText(err)}`;
        log(`  ${target.label} (scale): FAILED to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      }
    }
    for (const size of settings.scaleSizes) {
      if (isAborted()) break;
      const jobs: Job[] = [];
      const countsOf = new Map<Target, TableCounts>();
      for (const r of [...running]) {
        if (r.summary.error) continue;
        try {
          const grown = await r.inst.scale!.grow(size);
          r.summary.steps.push({ size, ...grown });
          log(`  ${r.target.label} (scale): ${grown.added.toLocaleString("en-US")} users + sessions added in ${grown.seconds.toFixed(1)} s; now ${grown.counts.users.toLocaleString("en-US")} users, ${grown.counts.sessions.toLocaleString("en-US")} sessions`);
          countsOf.set(r.target, grown.counts);
          // Let the store settle (autovacuum, WAL checkpoint) before measuring.
          await sleep(1000);
          const first = await firstUse(ctx, r, size, grown.counts);
          measurements.push(first);
          log(`  ${r.target.label} scale @${size.toLocaleString("en-US")}/first-use: ${first.median.requests} checks at c=1, p50 ${first.median.p50.toFixed(2)} ms, p99 ${first.median.p99.toFixed(2)} ms${first.median.failures ? `, ${first.median.failures} FAILURES` : ""}`);
          const sample = r.inst.scale!.sessions(settings.scaleSample);
          const t0 = Date.now();
          await prewarm(r, sample);
          log(`  ${r.target.label} (scale): ${sample.length.toLocaleString("en-US")} sampled sessions checked once in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          const check = { status: 200, bodyMarker: '"user"' };
          jobs.push(wrkJob(ctx, r.target, r.inst, "scale", "bearer", sample, check, settings.sessionConnections, settings.sessionDurationS, true));
          const login = r.inst.login!;
          jobs.push(wrkJob(ctx, r.target, r.inst, "scale", "login c1", await r.inst.scale!.logins(LOGIN_USERS), login.check, 1, settings.loginDurationS, false));
          const register = r.inst.register!;
          jobs.push(wrkJob(ctx, r.target, r.inst, "scale", `register c${REGISTER_CONCURRENCY}`, [register.request()], register.check, REGISTER_CONCURRENCY, settings.loginDurationS, false));
        } catch (err) {
          r.summary.error = `size ${size}: ${errorText(err)}`;
          const proc = r.inst.proc;
          const died = proc && proc.child.exitCode !== null ? `\n  the service exited (${proc.child.exitCode}); its log ends:\n${logTail(proc)}` : "";
          if (died) r.summary.error += ` (the service exited ${proc!.child.exitCode})`;
          log(`  ${r.target.label} (scale) size ${size}: FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}${died}`);
        }
      }
      const ms = await runInterleaved(ctx, jobs.filter((j) => !running.find((r) => r.target === j.target)?.summary.error), (job, err) => {
        const r = running.find((x) => x.target === job.target)!;
        r.summary.error = `size ${size} ${job.variant}: ${errorText(err)}`;
        log(`  ${job.target.label} scale/${job.variant}: FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      });
      for (const m of ms) measurements.push({ ...m, size, counts: countsOf.get(targets.find((t) => t.id === m.target)!) });
    }
    for (const r of running) r.summary.seeding = r.inst.scale!.describe();
  } finally {
    for (const r of running) await r.inst.stop().catch((err: unknown) => log(`${r.target.label} (scale): stop failed: ${String(err)}`));
  }
  return { measurements, summaries };
}
