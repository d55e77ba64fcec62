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
import type { Instance, MixedKind, Target } from "../targets/common.ts";
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
  const sample = specs.length <= 3 ? specs : [specs[0]!, specs[Math.floor(specs.length / 2)]!, specs[specs.length - 1]!];
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

let fileSeq = 0;
const fileFor = (ctx: MeasureContext, target: Target, workload: Workload, variant: string) =>
  join(ctx.tmpDir, `${target.id}-${workload}-${variant.replace(/[^a-z0-9]+/gi, "_")}-${++fileSeq}.txt`);

/** A job driven by wrk over a file of requests. */
export function wrkJob(ctx: MeasureContext, target: Target, inst: Instance, workload: Workload, variant: string,
  specs: RequestSpec[], check: ResponseCheck, connections: number, durationS: number, pinned: boolean): Job {
  const file = writeRequests(fileFor(ctx, target, workload, variant), specs);
  const wrk = (seconds: number) => runWrk({
    baseUrl: inst.baseUrl, requestsFile: file, connections, durationS: seconds, check, ...(pinned ? { cpus: WRK_CPU } : {}),
  });
  return { target, inst, workload, variant, connections, pinned, warmup: () => wrk(ctx.settings.warmupS), once: () => wrk(durationS) };
}

export const defaultSessionCheck = (inst: Instance): ResponseCheck => inst.sessionCheck ?? { status: 200, bodyMarker: '"user"' };

/** Seeds a target's sessions (or builds the bare route's requests): one request list per credential kind. */
export async function seedSessionSpecs(ctx: MeasureContext, inst: Instance, users: Credentials[]): Promise<Partial<Record<SessionMode, RequestSpec[]>>> {
  const { settings } = ctx;
  return inst.sessionRequests ? inst.sessionRequests(settings.sessions) : await inst.seedSessions!(users, settings.sessions);
}

/** One job per credential kind the target supports, over its seeded sessions. */
export async function sessionJobs(ctx: MeasureContext, target: Target, inst: Instance, byMode: Partial<Record<SessionMode, RequestSpec[]>>): Promise<Job[]> {
  const { settings } = ctx;
  const check = defaultSessionCheck(inst);
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

/**
 * Session checks (Bearer) paced to `rate` req/s with wrk's delay() hook: each of
 * the connections pauses connections/rate between a response and its next
 * request. The pause does not count the round trip, so after every run (two
 * warm-ups first) the pause is set to the nominal one less the round trip that
 * run saw (its cycle per connection, connections/achieved rate, less its pause).
 */
export async function fixedJob(ctx: MeasureContext, target: Target, inst: Instance, specs: RequestSpec[], rate: number): Promise<Job> {
  const check = defaultSessionCheck(inst);
  await sanityCheck(inst.baseUrl, specs, check, `${target.id} fixed`);
  const c = ctx.settings.sessionConnections;
  const file = writeRequests(fileFor(ctx, target, "fixed", "bearer"), specs);
  const nominal = (1000 * c) / rate;
  let pauseMs = nominal;
  const wrk = async (seconds: number, label: string) => {
    const used = pauseMs;
    const r = await runWrk({ baseUrl: inst.baseUrl, requestsFile: file, connections: c, durationS: seconds, check, pauseMs: used, cpus: WRK_CPU });
    if (r.rps > 0) pauseMs = Math.max(0, nominal - Math.max(0, (1000 * c) / r.rps - used));
    ctx.log(`  ${target.label} fixed ${label}: offered ${rate.toFixed(0)} req/s, achieved ${r.rps.toFixed(0)} with a pause of ${used.toFixed(2)} ms per connection; next pause ${pauseMs.toFixed(2)} ms`);
    return { ...r, offeredRps: rate };
  };
  return {
    target, inst, workload: "fixed", variant: "bearer", connections: c, pinned: true,
    // Two warm-ups: the pause converges in about two steps (wrk's timers add a slack of their own).
    warmup: async () => {
      await wrk(Math.max(ctx.settings.warmupS, 2), "warm-up 1");
      return wrk(Math.max(ctx.settings.warmupS, 2), "warm-up 2");
    },
    once: () => wrk(ctx.settings.sessionDurationS, "run"),
  };
}

/** Where each type sits in every 50 requests of a mixed run: 45 session checks, 4 logins, 1 registration. */
const MIXED_PATTERN: MixedKind[] = Array.from({ length: 50 }, (_, r): MixedKind =>
  r === 25 ? "register" : [6, 18, 31, 43].includes(r) ? "login" : "session");

/** 90 % session checks, 8 % logins, 2 % registrations, interleaved in one request file, one wrk run. */
export async function mixedJob(ctx: MeasureContext, target: Target, inst: Instance, users: Credentials[],
  byMode: Partial<Record<SessionMode, RequestSpec[]>>): Promise<Job> {
  const mixed = inst.mixed!;
  const sessions = byMode[mixed.mode];
  const register = mixed.register ?? inst.register?.request();
  if (!sessions?.length || !inst.login || !register || !users.length) throw new Error("mixed: needs sessions, a login and a registration");
  const blocks = Math.max(1, Math.ceil(sessions.length / 45));
  const kinds: MixedKind[] = [];
  const specs: RequestSpec[] = [];
  const next: Record<MixedKind, number> = { session: 0, login: 0, register: 0 };
  for (let b = 0; b < blocks; b++) {
    for (const kind of MIXED_PATTERN) {
      const i = next[kind]++;
      kinds.push(kind);
      specs.push(kind === "session" ? sessions[i % sessions.length]! : kind === "login" ? inst.login.request(users[i % users.length]!) : register);
    }
  }
  // Each type must answer as its check says, and not as an earlier one in the matching order.
  for (const kind of ["session", "login", "register"] as MixedKind[]) {
    const at = mixed.checks.findIndex((x) => x.kind === kind);
    const spec = specs[kinds.indexOf(kind)]!;
    await sanityCheck(inst.baseUrl, [spec], mixed.checks[at]!.check, `${target.id} mixed/${kind}`);
    for (const earlier of mixed.checks.slice(0, at)) {
      const matched = await sanityCheck(inst.baseUrl, [spec], earlier.check, "").then(() => true, () => false);
      if (matched) throw new Error(`${target.id} mixed: a ${kind} answer also matches the ${earlier.kind} check`);
    }
  }
  const file = writeRequests(fileFor(ctx, target, "mixed", mixed.mode), specs, kinds);
  const c = ctx.settings.sessionConnections;
  const wrk = (seconds: number) => runWrk({ baseUrl: inst.baseUrl, requestsFile: file, connections: c, durationS: seconds, typeChecks: mixed.checks });
  return {
    target, inst, workload: "mixed", variant: mixed.mode, connections: c, pinned: false,
    warmup: () => wrk(ctx.settings.warmupS), once: () => wrk(ctx.settings.mixedDurationS),
  };
}

function summarize(ctx: MeasureContext, m: Measurement) {
  const r = m.median;
  const spread = m.runs.map((x) => x.rps.toFixed(0)).join("/");
  const offered = r.offeredRps !== undefined ? ` (offered ${r.offeredRps.toFixed(0)})` : "";
  const types = r.perType ? ` [${Object.entries(r.perType).map(([k, t]) => `${k} ${t.ok}/${t.sent}`).join(", ")}]` : "";
  const size = m.size !== undefined ? ` @${m.size.toLocaleString("en-US")}` : "";
  ctx.log(`  ${m.label} ${m.workload}${size}/${m.variant}: ${r.rps.toFixed(0)} req/s${offered} (runs ${spread}), p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${types}${r.failures ? `, ${r.failures} FAILURES` : ""}`);
}

/** Runs `work` with the job's server pinned to SERVER_CPU if the job is a pinned one, and unpinned after. */
export async function pinnedFor<T>(job: Job, work: () => Promise<T>): Promise<T> {
  const proc = job.inst.proc;
  if (proc && job.pinned) setAffinity(proc, SERVER_CPU);
  try {
    return await work();
  } finally {
    if (proc && job.pinned && proc.child.exitCode === null) setAffinity(proc, ALL_CPUS);
  }
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
      try {
        const result = await pinnedFor(job, async () => {
          if (round === 0) await job.warmup();
          const busyBefore = await awaitQuiet(ctx.settings.maxQuietWaitS, ctx.log, job.inst.proc ? [job.inst.proc.pid] : []);
          return { ...(await job.once()), busyBefore };
        });
        runs.get(job)!.push(result);
      } catch (err) {
        onError(job, err);
        live = live.filter((j) => j !== job);
        runs.delete(job);
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
