// Command-line options. Defaults are the full suite (~35 min on an idle
// 2-core machine); --quick is a short pass with fewer sessions, smaller
// scale steps and shorter runs. The runner prints its own estimate at start.
import type { Settings, Workload } from "./types.ts";

const USAGE = `usage: node --import tsx bench/run.ts [options]
  --quick               short pass: 1,000 sessions, one round of 2-4 s runs, scale steps 1k and 20k
  --only=a,b            only these targets (ids: fastify-bare, handwritten, astral-sqlite,
                        astral-postgres, astral-postgres-redis, better-auth-sqlite, better-auth-postgres,
                        authjs, argon2-loop); the fixed workload adds fastify-bare (its rate comes from it)
  --workloads=a,b       any of, run in this order (default: all):
                          session   session validation at full speed (Bearer, cookie, JWT)
                          fixed     session validation at half the bare route's max req/s
                          login     login at concurrency 1 and 16
                          register  registration at concurrency 16
                          mixed     90 % session checks, 8 % logins, 2 % registrations in one run
                          scale     astral-auth (SQLite; PostgreSQL + Redis) grown through --scale-sizes
  --sessions=N          sessions to seed per target (default 10000, quick 1000)
  --users=N             users the sessions are spread over (default 200, quick 100; at least sessions/50)
  --runs=N              rounds, i.e. measured runs per figure (default 3, quick 1)
  --duration=S          seconds per session-check run (default 5, quick 2)
  --login-duration=S    seconds per login/registration run (default 8, quick 4)
  --mixed-duration=S    seconds per mixed run (default 10, quick 4)
  --connections=N       wrk connections for session checks, fixed-rate and mixed runs (default 32)
  --scale-sizes=a,b,c   users (each with one session) to grow the scale store to
                        (default 1000,100000,1000000; quick 1000,20000)
  --scale-sample=N      sessions the scale workload's checks are spread over (default 10000, quick 2000)
  --max-wait=S          before each run, wait up to S seconds for other work on
                        the machine to stop (default 60, quick 20)
  --no-docs             do not rewrite docs/benchmarks.md
  --render              only rewrite docs/benchmarks.md from bench/results/latest.json`;

/** Every workload, in the order they run. */
export const WORKLOADS: Workload[] = ["session", "fixed", "login", "register", "mixed", "scale"];

/**
 * `--name=value` and `--flag` arguments by name; `--help` prints `usage` and
 * exits; anything else, or a name not in `known`, is an error with the usage.
 * Shared by the suite and the stand-alone scripts.
 */
export function readFlags(argv: string[], usage: string, known: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h") { console.log(usage); process.exit(0); }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}\n${usage}`);
    if (!known.includes(m[1]!)) throw new Error(`unknown option --${m[1]}\n${usage}`);
    flags.set(m[1]!, m[2] ?? "true");
  }
  return flags;
}

export interface Cli { settings: Settings; writeDocs: boolean; renderOnly: boolean }

export function parseArgs(argv: string[]): Cli {
  const flags = readFlags(argv, USAGE, ["quick", "only", "workloads", "sessions", "users", "runs", "duration", "login-duration", "mixed-duration",
    "connections", "scale-sizes", "scale-sample", "max-wait", "no-docs", "render"]);

  const quick = flags.has("quick");
  const num = (key: string, fallback: number) => {
    const raw = flags.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} needs a positive number`);
    return n;
  };
  const list = (key: string) => flags.get(key)?.split(",").map((s) => s.trim()).filter(Boolean) ?? null;
  const requested = list("workloads") ?? WORKLOADS;
  for (const w of requested) if (!(WORKLOADS as string[]).includes(w)) throw new Error(`unknown workload ${w}\n${USAGE}`);
  // Always in the order of WORKLOADS: fixed needs the bare route's max from session when both run.
  const workloads = WORKLOADS.filter((w) => requested.includes(w));
  const scaleSizes = (list("scale-sizes") ?? (quick ? ["1000", "20000"] : ["1000", "100000", "1000000"])).map(Number);
  if (scaleSizes.some((n) => !Number.isInteger(n) || n < 100) || scaleSizes.some((n, i) => i > 0 && n <= scaleSizes[i - 1]!)) {
    throw new Error("--scale-sizes needs increasing whole numbers of at least 100");
  }

  const sessions = num("sessions", quick ? 1000 : 10_000);
  return {
    writeDocs: !flags.has("no-docs"),
    renderOnly: flags.has("render"),
    settings: {
      quick,
      sessions,
      // astral-auth keeps at most 100 sessions per user (ASTRAL_MAX_SESSIONS, raised for the suite), and
      // ends the oldest (the seeded ones) beyond that: at most 50 seeded per user leaves room for the
      // logins of the login and mixed workloads.
      users: Math.max(num("users", quick ? 100 : 200), Math.ceil(sessions / 50)),
      runs: num("runs", quick ? 1 : 3),
      warmupS: quick ? 1 : 2,
      sessionDurationS: num("duration", quick ? 2 : 5),
      // Long against a c=16 login's latency (up to seconds on a busy machine),
      // which a short run would undercount.
      loginDurationS: num("login-duration", quick ? 4 : 8),
      sessionConnections: num("connections", 32),
      only: list("only"),
      maxQuietWaitS: num("max-wait", quick ? 20 : 60),
      workloads,
      scaleSizes,
      scaleSample: num("scale-sample", quick ? 2000 : 10_000),
      mixedDurationS: num("mixed-duration", quick ? 4 : 10),
    },
  };
}
