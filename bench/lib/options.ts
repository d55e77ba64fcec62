// Command-line options. Defaults are the full suite (~15 min on 2 cores);
// --quick is a ~3 minute pass with fewer sessions and shorter runs.
import type { Settings, Workload } from "./types.ts";

const USAGE = `usage: node --import tsx bench/run.ts [options]
  --quick               short pass: 1,000 sessions, one round of 2-3 s runs
  --only=a,b            only these targets (ids: fastify-bare, handwritten, astral-sqlite,
                        astral-postgres, astral-postgres-redis, better-auth-sqlite, better-auth-postgres, authjs, argon2-loop)
  --workloads=a,b       session, login, register (default: all)
  --sessions=N          sessions to seed per target (default 10000, quick 1000)
  --users=N             users the sessions are spread over (default 200, quick 100)
  --runs=N              rounds, i.e. measured runs per figure (default 3, quick 1)
  --duration=S          seconds per session-check run (default 5, quick 2)
  --login-duration=S    seconds per login/registration run (default 8, quick 4)
  --connections=N       wrk connections for session checks (default 32)
  --max-wait=S          before each run, wait up to S seconds for other work on
                        the machine to stop (default 60, quick 20)
  --no-docs             do not rewrite docs/benchmarks.md
  --render              only rewrite docs/benchmarks.md from bench/results/latest.json`;

export interface Cli { settings: Settings; writeDocs: boolean; renderOnly: boolean }

export function parseArgs(argv: string[]): Cli {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h") { console.log(USAGE); process.exit(0); }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}\n${USAGE}`);
    flags.set(m[1]!, m[2] ?? "true");
  }
  const known = ["quick", "only", "workloads", "sessions", "users", "runs", "duration", "login-duration", "connections", "max-wait", "no-docs", "render"];
  for (const key of flags.keys()) if (!known.includes(key)) throw new Error(`unknown option --${key}\n${USAGE}`);

  const quick = flags.has("quick");
  const num = (key: string, fallback: number) => {
    const raw = flags.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} needs a positive number`);
    return n;
  };
  const list = (key: string) => flags.get(key)?.split(",").map((s) => s.trim()).filter(Boolean) ?? null;
  const workloads = (list("workloads") ?? ["session", "login", "register"]) as Workload[];
  for (const w of workloads) if (!["session", "login", "register"].includes(w)) throw new Error(`unknown workload ${w}`);

  const sessions = num("sessions", quick ? 1000 : 10_000);
  return {
    writeDocs: !flags.has("no-docs"),
    renderOnly: flags.has("render"),
    settings: {
      quick,
      sessions,
      // astral-auth keeps at most 100 sessions per user (ASTRAL_MAX_SESSIONS, raised for the suite).
      users: Math.max(num("users", quick ? 100 : 200), Math.ceil(sessions / 100)),
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
    },
  };
}
