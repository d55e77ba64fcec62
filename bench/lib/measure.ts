// The three workloads. Each figure: a sanity check that the requests are
// accepted, a warm-up run that is thrown away, then `runs` measured runs whose
// median is kept. Session checks pin the server to core 0 and wrk to core 1;
// login and registration leave both unpinned (hashing uses both cores).
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

export interface MeasureContext { settings: Settings; tmpDir: string; log: (msg: string) => void }

/** Quiet check, then the run; the busy share seen before it is kept with the result. */
async function quietRun(ctx: MeasureContext, once: () => Promise<RunResult>): Promise<RunResult> {
  const busyBefore = await awaitQuiet(ctx.settings.maxQuietWaitS, ctx.log);
  return { ...(await once()), busyBefore };
}

async function repeat(ctx: MeasureContext, warmup: () => Promise<unknown>, once: () => Promise<RunResult>): Promise<RunResult[]> {
  await warmup();
  const runs: RunResult[] = [];
  for (let i = 0; i < ctx.settings.runs; i++) runs.push(await quietRun(ctx, once));
  return runs;
}

function record(target: Target, workload: Workload, variant: string, connections: number, runs: RunResult[]): Measurement {
  return { workload, target: target.id, label: target.label, role: target.role, variant, connections, runs, median: medianRun(runs) };
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

function summarize(ctx: MeasureContext, m: Measurement) {
  const r = m.median;
  const spread = m.runs.map((x) => x.rps.toFixed(0)).join("/");
  ctx.log(`  ${m.label} ${m.workload}/${m.variant}: ${r.rps.toFixed(0)} req/s (runs ${spread}), p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.failures ? `, ${r.failures} FAILURES` : ""}`);
}

// Access tokens are short-lived, so "jwt" goes first, right after seeding.
const MODE_ORDER: SessionMode[] = ["jwt", "bearer", "cookie"];

export async function measureSessions(ctx: MeasureContext, target: Target, inst: Instance, users: Credentials[]): Promise<Measurement[]> {
  const { settings } = ctx;
  const started = Date.now();
  const byMode = inst.sessionRequests ? inst.sessionRequests(settings.sessions) : await inst.seedSessions!(users, settings.sessions);
  ctx.log(`  seeded ${settings.sessions} sessions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const check = inst.sessionCheck ?? { status: 200, bodyMarker: '"user"' };
  const out: Measurement[] = [];
  if (inst.proc) setAffinity(inst.proc, SERVER_CPU);
  try {
    for (const mode of MODE_ORDER) {
      const specs = byMode[mode];
      if (!specs?.length) continue;
      await sanityCheck(inst.baseUrl, specs, check, `${target.id} session/${mode}`);
      const file = writeRequests(join(ctx.tmpDir, `${target.id}-session-${mode}.txt`), specs);
      const wrk = (durationS: number) => runWrk({
        baseUrl: inst.baseUrl, requestsFile: file, connections: settings.sessionConnections, durationS, cpus: WRK_CPU, check,
      });
      const runs = await repeat(ctx, () => wrk(settings.warmupS), () => wrk(settings.sessionDurationS));
      const m = record(target, "session", mode, settings.sessionConnections, runs);
      summarize(ctx, m);
      out.push(m);
    }
  } finally {
    if (inst.proc) setAffinity(inst.proc, ALL_CPUS);
  }
  return out;
}

export const LOGIN_CONCURRENCY = [1, 16];

export async function measureLogins(ctx: MeasureContext, target: Target, inst: Instance, users: Credentials[]): Promise<Measurement[]> {
  const { settings } = ctx;
  const out: Measurement[] = [];
  for (const c of LOGIN_CONCURRENCY) {
    let runs: RunResult[];
    if (inst.loop) {
      runs = [];
      for (let i = 0; i < settings.runs; i++) runs.push(await quietRun(ctx, () => inst.loop!(c, settings.warmupS, settings.loginDurationS)));
    } else {
      const login = inst.login!;
      const specs = users.map((u) => login.request(u));
      await sanityCheck(inst.baseUrl, specs, login.check, `${target.id} login`);
      const file = writeRequests(join(ctx.tmpDir, `${target.id}-login.txt`), specs);
      const wrk = (durationS: number) => runWrk({ baseUrl: inst.baseUrl, requestsFile: file, connections: c, durationS, check: login.check });
      runs = await repeat(ctx, () => wrk(settings.warmupS), () => wrk(settings.loginDurationS));
    }
    const m = record(target, "login", `c${c}`, c, runs);
    summarize(ctx, m);
    out.push(m);
  }
  return out;
}

export const REGISTER_CONCURRENCY = 16;

export async function measureRegistrations(ctx: MeasureContext, target: Target, inst: Instance): Promise<Measurement[]> {
  const { settings } = ctx;
  const register = inst.register!;
  const specs = [register.request()];
  await sanityCheck(inst.baseUrl, specs, register.check, `${target.id} register`);
  const file = writeRequests(join(ctx.tmpDir, `${target.id}-register.txt`), specs);
  const wrk = (durationS: number) => runWrk({
    baseUrl: inst.baseUrl, requestsFile: file, connections: REGISTER_CONCURRENCY, durationS, check: register.check,
  });
  const runs = await repeat(ctx, () => wrk(settings.warmupS), () => wrk(settings.loginDurationS));
  const m = record(target, "register", `c${REGISTER_CONCURRENCY}`, REGISTER_CONCURRENCY, runs);
  summarize(ctx, m);
  return [m];
}
