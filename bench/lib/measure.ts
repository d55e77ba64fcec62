// The three workloads, as "jobs" that the runner interleaves: every target is
// running at once, and each round measures every job once, so a burst of
// other work on this shared machine hits all targets alike instead of one.
//
// A job: a sanity check that its requests are accepted, a warm-up run that is
// thrown away (before its first measured run), then one measured run per
// round; the median over rounds is kept. Session checks pin the server to
// core 0 and wrk to core 1; login and registration leave both unpinned
// (hashing uses both cores). Before every measured run the harness waits for
// the machine to be quiet (see quiet.ts).
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { setAffinity } from "./processes.ts";
import { send } from "./http.ts";
import { medianRun } from "./stats.ts";
import { awaitQuiet } from "./quiet.ts";
import { runWrk, writeRequests } from "./wrk.ts";
import type { Instance, Target } from "../targets/common.ts";
import type { Credentials, Measurement, RequestSpec, ResponseCheck, RunResult, SessionMode, Settings, Workload } from "./types.ts";

export const SERVER_CPU = "0";
export const WRK_CPU = "1";
export const ALL_CPUS = "0-1";
export const LOGIN_CONCURRENCY = [1, 16];
export const REGISTER_CONCURRENCY = 16;
// Access tokens are short-lived, so "jwt" goes first, right after seeding.
const MODE_ORDER: SessionMode[] = ["jwt", "bearer", "cookie"];

export interface MeasureContext { settings: Settings; tmpDir: string; log: (msg: string) => void }

export interface Job {
  target: Target;
  inst: Instance;
  workload: Workload;
  variant: string;
  connections: number;
  /** Pin the server to SERVER_CPU while this job runs. */
  pinned: boolean;
  warmup(): Promise<unknown>;
  once(): Promise<RunResult>;
}

/** Sends a few of the requests once and checks the answers, so a broken setup fails loudly instead of measuring errors. */
async function sanityCheck(baseUrl: string, specs: RequestSpec[], check: ResponseCheck, what: string) {
  const sample = [specs[0]!, specs[Math.floor(specs.length / 2)]!, specs[specs.length - 1]!];
  for (const spec of sample) {
    const concrete = spec.body?.includes("@N@") ? { ...spec, body: spec.body.replaceAll("@N@", `check${randomBytes(4).toString("hex")}`) } : spec;
    const res = await send(baseUrl, concrete);
    const cookieOk = !check.cookieMarker || res.setCookies.some((c) => c.includes(check.cookieMarker!));
    const bodyOk = !check.bodyMarker || res.body.includes(check.bodyMarker);
    if (res.status !== check.status || !cookieOk || !bodyOk) {
      throw new Error(`${what}: sanity check failed (status ${res.status}, cookie ok ${cookieOk}, body ok ${bodyOk}): ${res.body.slice(0, 300)}`);
    }
  }
}

/** A job driven by wrk over a file of requests. */
function wrkJob(ctx: MeasureContext, target: Target, inst: Instance, workload: Workload, variant: string,
  specs: RequestSpec[], check: ResponseCheck, connections: number, durationS: number, pinned: boolean): Job {
  const file = writeRequests(join(ctx.tmpDir, `${target.id}-${workload}-${variant}.txt`), specs);
  const wrk = (seconds: number) => runWrk({
    baseUrl: inst.baseUrl, requestsFile: file, connections, durationS: seconds, check, ...(pinned ? { cpus: WRK_CPU } : {}),
  });
  return { target, inst, workload, variant, connections, pinned, warmup: () => wrk(ctx.settings.warmupS), once: () => wrk(durationS) };
}

/** Seeds sessions and returns one job per credential kind the target supports. */
export async function sessionJobs(ctx: MeasureContext, target: Target, inst: Instance, users: Credentials[]): Promise<Job[]> {
  const { settings } = ctx;
  const byMode = inst.sessionRequests ? inst.sessionRequests(settings.sessions) : await inst.seedSessions!(users, settings.sessions);
  const check = inst.sessionCheck ?? { status: 200, bodyMarker: '"user"' };
  const jobs: Job[] = [];
  for (const mode of MODE_ORDER) {
    const specs = byMode[mode];
    if (!specs?.length) continue;
    await sanityCheck(inst.baseUrl, specs, check, `${target.id} session/${mode}`);
    jobs.push(wrkJob(ctx, target, inst, "session", mode, specs, check, settings.sessionConnections, settings.sessionDurationS, true));
  }
  return jobs;
}

export async function loginJobs(ctx: MeasureContext, target: Target, inst: Instance, users: Credentials[]): Promise<Job[]> {
  const { settings } = ctx;
  if (inst.loop) {
    const loop = inst.loop.bind(inst);
    return LOGIN_CONCURRENCY.map((c) => ({
      target, inst, workload: "login" as const, variant: `c${c}`, connections: c, pinned: false,
      warmup: async () => undefined, // the loop process warms up itself
      once: () => loop(c, settings.warmupS, settings.loginDurationS),
    }));
  }
  const login = inst.login!;
  const specs = users.map((u) => login.request(u));
  await sanityCheck(inst.baseUrl, specs, login.check, `${target.id} login`);
  return LOGIN_CONCURRENCY.map((c) => wrkJob(ctx, target, inst, "login", `c${c}`, specs, login.check, c, settings.loginDurationS, false));
}

export async function registerJobs(ctx: MeasureContext, target: Target, inst: Instance): Promise<Job[]> {
  const register = inst.register!;
  const specs = [register.request()];
  await sanityCheck(inst.baseUrl, specs, register.check, `${target.id} register`);
  return [wrkJob(ctx, target, inst, "register", `c${REGISTER_CONCURRENCY}`, specs, register.check, REGISTER_CONCURRENCY, ctx.settings.loginDurationS, false)];
}

function summarize(ctx: MeasureContext, m: Measurement) {
  const r = m.median;
  const spread = m.runs.map((x) => x.rps.toFixed(0)).join("/");
  ctx.log(`  ${m.label} ${m.workload}/${m.variant}: ${r.rps.toFixed(0)} req/s (runs ${spread}), p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.failures ? `, ${r.failures} FAILURES` : ""}`);
}

/**
 * Runs `jobs` in rounds: round r measures every job once, in order. A job that
 * throws is reported and dropped from later rounds; the others go on.
 */
export async function runInterleaved(ctx: MeasureContext, jobs: Job[], onError: (job: Job, err: unknown) => void): Promise<Measurement[]> {
  const runs = new Map<Job, RunResult[]>(jobs.map((j) => [j, []]));
  let live = [...jobs];
  for (let round = 0; round < ctx.settings.runs; round++) {
    ctx.log(` round ${round + 1}/${ctx.settings.runs}`);
    for (const job of [...live]) {
      const proc = job.inst.proc;
      try {
        if (proc && job.pinned) setAffinity(proc, SERVER_CPU);
        if (round === 0) await job.warmup();
        const busyBefore = await awaitQuiet(ctx.settings.maxQuietWaitS, ctx.log, proc ? [proc.pid] : []);
        runs.get(job)!.push({ ...(await job.once()), busyBefore });
      } catch (err) {
        onError(job, err);
        live = live.filter((j) => j !== job);
        runs.delete(job);
      } finally {
        if (proc && job.pinned && proc.child.exitCode === null) setAffinity(proc, ALL_CPUS);
      }
    }
  }
  const out: Measurement[] = [];
  for (const [job, list] of runs) {
    const m: Measurement = {
      workload: job.workload, target: job.target.id, label: job.target.label, role: job.target.role,
      variant: job.variant, connections: job.connections, runs: list, median: medianRun(list),
    };
    summarize(ctx, m);
    out.push(m);
  }
  return out;
}
