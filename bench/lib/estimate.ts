// A rough forecast of a suite's length on an idle 2-core machine, printed at
// start. Waiting for a busy machine to calm down (--max-wait) comes on top.
import type { Settings } from "./types.ts";

/** Session-check credential kinds per target (one job each). */
const SESSION_MODES: Record<string, number> = {
  "fastify-bare": 1, handwritten: 2, "astral-sqlite": 3, "astral-postgres": 3, "astral-postgres-redis": 3,
  "better-auth-sqlite": 2, "better-auth-postgres": 2, authjs: 1,
};
/** Seconds to start a target and create its users (registrations cost one password hash each). */
const START_S: Record<string, (users: number) => number> = {
  "astral-sqlite": (u) => 3 + u / 40, "astral-postgres": (u) => 4 + u / 40, "astral-postgres-redis": (u) => 4 + u / 40,
  "better-auth-sqlite": (u) => 3 + u / 10, "better-auth-postgres": (u) => 4 + u / 10, authjs: (u) => 2 + u / 30,
};
/** Seconds to seed the sessions of one target. */
const SEED_S: Record<string, (sessions: number) => number> = {
  handwritten: (n) => n / 1500, "astral-sqlite": () => 4, "astral-postgres": () => 5, "astral-postgres-redis": () => 5,
  "better-auth-sqlite": (n) => 20 + n / 5000, "better-auth-postgres": (n) => 25 + n / 2000, authjs: (n) => 1 + n / 5000,
};
const LOGIN_TARGETS = ["astral-sqlite", "astral-postgres", "astral-postgres-redis", "better-auth-sqlite", "better-auth-postgres", "authjs", "argon2-loop"];
const REGISTER_TARGETS = ["astral-sqlite", "astral-postgres", "astral-postgres-redis", "better-auth-sqlite", "better-auth-postgres"];
const FIXED = ["fastify-bare", "handwritten", "astral-sqlite", "astral-postgres", "astral-postgres-redis"];
const MIXED = ["astral-sqlite", "astral-postgres", "astral-postgres-redis", "better-auth-sqlite", "authjs"];
/** Per measured run: the quiet-machine check and wrk's start. */
const RUN_OVERHEAD_S = 1;
/** Bulk rows (a user and a session) written per second while growing a scale store. */
const GROW_ROWS_PER_S = 15_000;

export function estimateSeconds(s: Settings, targetIds: string[], scaleTargets: number): number {
  const has = (w: string) => s.workloads.includes(w as Settings["workloads"][number]);
  const jobs = (ids: string[], perJob: number) => targetIds.filter((id) => ids.includes(id)).length * perJob;
  const run = (durationS: number, warmupS = s.warmupS) => warmupS + s.runs * (durationS + RUN_OVERHEAD_S);
  let total = 0;
  for (const id of targetIds) total += START_S[id]?.(s.users) ?? 1;
  const seeded = has("session") || has("fixed") || has("mixed");
  if (seeded) for (const id of targetIds) total += SEED_S[id]?.(s.sessions) ?? 0;
  if (has("session")) total += targetIds.reduce((n, id) => n + (SESSION_MODES[id] ?? 0), 0) * run(s.sessionDurationS);
  if (has("fixed")) total += jobs(FIXED, run(s.sessionDurationS, 2 * Math.max(s.warmupS, 2)));
  if (has("login")) total += jobs(LOGIN_TARGETS, 2 * run(s.loginDurationS));
  if (has("register")) total += jobs(REGISTER_TARGETS, run(s.loginDurationS));
  if (has("mixed")) total += jobs(MIXED, run(s.mixedDurationS));
  if (has("scale") && scaleTargets) {
    const largest = s.scaleSizes.at(-1) ?? 0;
    const perSize = s.sessionDurationS + 5 /* first use + sample prewarm */ + run(s.sessionDurationS) + 2 * run(s.loginDurationS);
    total += scaleTargets * (5 + largest / GROW_ROWS_PER_S + s.scaleSizes.length * perSize);
  }
  return total;
}
