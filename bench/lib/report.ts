// Turns measurements into docs/benchmarks.md: machine header, method, one
// table per workload with medians and ratios, and what went wrong.
import type { MachineInfo } from "./machine.ts";
import type { Measurement, Settings } from "./types.ts";
import { QUIET_THRESHOLD } from "./quiet.ts";

export interface TargetSummary { id: string; label: string; notes: string[]; skipped?: string; error?: string; seeding?: string }

export interface Report {
  machine: MachineInfo;
  settings: Settings;
  targets: TargetSummary[];
  measurements: Measurement[];
  elapsedS: number;
  /** Options the suite was run with (absent in older result files). */
  argv?: string[];
}

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "—");
const ratio = (a: number, b: number | undefined) => (b && Number.isFinite(a) && b > 0 ? `${(a / b).toFixed(2)}×` : "—");
const row = (cells: string[]) => `| ${cells.join(" | ")} |`;

/** A measurement with a run that started while other work kept the machine busy. */
const noisy = (m: Measurement) => m.runs.some((r) => (r.busyBefore ?? 0) > QUIET_THRESHOLD);
const name = (m: Measurement) => (noisy(m) ? `${m.label} †` : m.label);

const MODE_LABEL: Record<string, string> = {
  bearer: "Bearer opaque token",
  cookie: "session cookie",
  jwt: "Bearer access token (JWT)",
};

function best(ms: Measurement[]): Measurement | undefined {
  return ms.filter((m) => m.role === "peer").sort((a, b) => b.median.rps - a.median.rps)[0];
}

function sessionTable(ms: Measurement[]): string[] {
  const rows = ms.filter((m) => m.workload === "session");
  if (!rows.length) return ["_Not run._"];
  const bare = rows.find((m) => m.role === "ceiling");
  const top = best(rows);
  return [
    row(["Target", "Credential", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs bare route", `vs best alternative${top ? ` (${top.label}, ${top.variant})` : ""}`, "failed"]),
    row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
    ...rows.map((m) => row([
      name(m), MODE_LABEL[m.variant] ?? m.variant, f0(m.median.rps), f2(m.median.p50), f2(m.median.p95), f2(m.median.p99),
      ratio(m.median.rps, bare?.median.rps), m.role === "ceiling" ? "—" : ratio(m.median.rps, top?.median.rps), f0(m.median.failures),
    ])),
  ];
}

function loginTable(ms: Measurement[], notes: Map<string, string[]>): string[] {
  const rows = ms.filter((m) => m.workload === "login");
  if (!rows.length) return ["_Not run._"];
  const ids = [...new Set(rows.map((m) => m.target))];
  const get = (id: string, v: string) => rows.find((m) => m.target === id && m.variant === v);
  const ceiling = rows.find((m) => m.role === "ceiling" && m.variant === "c16");
  const top = best(rows.filter((m) => m.variant === "c16"));
  return [
    row(["Target", "Password hash", "c=1 p50 ms", "c=1 p99 ms", "c=16 logins/s", "c=16 p99 ms", "vs argon2id loop", `vs best alternative${top ? ` (${top.label})` : ""}`, "failed"]),
    row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
    ...ids.map((id) => {
      const c1 = get(id, "c1"), c16 = get(id, "c16");
      const any = (c16 ?? c1)!;
      const hash = (notes.get(id) ?? []).find((n) => /argon2|scrypt|bcrypt/.test(n)) ?? "";
      return row([
        c1 && noisy(c1) || c16 && noisy(c16) ? `${any.label} †` : any.label, hash, f2(c1?.median.p50 ?? NaN), f2(c1?.median.p99 ?? NaN), f0(c16?.median.rps ?? NaN), f2(c16?.median.p99 ?? NaN),
        any.role === "ceiling" ? "—" : ratio(c16?.median.rps ?? NaN, ceiling?.median.rps),
        any.role === "ceiling" ? "—" : ratio(c16?.median.rps ?? NaN, top?.median.rps),
        f0((c1?.median.failures ?? 0) + (c16?.median.failures ?? 0)),
      ]);
    }),
  ];
}

function registerTable(ms: Measurement[]): string[] {
  const rows = ms.filter((m) => m.workload === "register");
  const ceiling = ms.find((m) => m.workload === "login" && m.role === "ceiling" && m.variant === "c16");
  if (!rows.length) return ["_Not run._"];
  const top = best(rows);
  return [
    row(["Target", "registrations/s (c=16)", "p50 ms", "p99 ms", "vs argon2id loop", `vs best alternative${top ? ` (${top.label})` : ""}`, "failed"]),
    row(["---", "---:", "---:", "---:", "---:", "---:", "---:"]),
    ...(ceiling ? [row([`${ceiling.label} (hashes/s, from the login table)`, f0(ceiling.median.rps), f2(ceiling.median.p50), f2(ceiling.median.p99), "—", "—", "0"])] : []),
    ...rows.map((m) => row([
      name(m), f0(m.median.rps), f2(m.median.p50), f2(m.median.p99), ratio(m.median.rps, ceiling?.median.rps),
      ratio(m.median.rps, top?.median.rps), f0(m.median.failures),
    ])),
  ];
}

function noisySummary(all: Measurement[], noisyOnes: Measurement[]): string {
  const shares = all.flatMap((m) => m.runs.map((run) => run.busyBefore ?? 0)).sort((a, b) => a - b);
  const mid = shares[Math.floor(shares.length / 2)] ?? 0;
  return `- ${noisyOnes.length} of ${all.length} figures (marked †) had a run that started while other work kept more than ${Math.round(QUIET_THRESHOLD * 100)}% of the cores busy; over all runs, the median share busy with other work just before a run was ${Math.round(mid * 100)}% (per run: \`busyBefore\` in bench/results/latest.json). Read those figures as rough.`;
}

export function renderMarkdown(r: Report): string {
  const { machine: m, settings: s } = r;
  const notes = new Map(r.targets.map((t) => [t.id, t.notes]));
  const problems = r.targets.filter((t) => t.skipped || t.error);
  const failing = r.measurements.filter((x) => x.median.failures > 0);
  const empty = r.measurements.filter((x) => x.runs.some((run) => run.requests === 0));
  const noisyOnes = r.measurements.filter(noisy);
  return [
    "# Benchmarks",
    "",
    `Generated by \`bench/run.ts\`${s.quick ? " in **quick mode** (short runs, fewer sessions: indicative only)" : ""} on ${m.date.slice(0, 10)}; do not edit by hand, re-run the suite instead (see bench/README.md). Every run's figures are in \`bench/results/latest.json\`, which each run rewrites and git does not keep (about 20 KB).`,
    "",
    "## Machine and versions",
    "",
    `- CPU: ${m.cpu}, ${m.cores} cores (nproc); memory ${m.memoryGiB} GiB; Linux ${m.kernel}`,
    `- Node ${m.node}; ${m.wrk}; PostgreSQL ${m.postgres} (local, default config); SQLite ${m.sqlite} (better-sqlite3); Redis ${m.redis} (local, used only by the astral-auth + Redis target)`,
    `- astral-auth ${m.astral}`,
    `- Peers: ${Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `- Suite took ${Math.round(r.elapsedS)} s${r.argv ? `; run as \`node --import tsx bench/run.ts${r.argv.length ? " " + r.argv.join(" ") : ""}\`` : ""}.`,
    "",
    "## Method",
    "",
    `- Every target runs as its own process on a free 127.0.0.1 port, with a fresh store (SQLite file in a temp dir, or a PostgreSQL database \`bench_<peer>_<random>\` dropped afterwards), and is stopped by pid at the end. \`NODE_ENV=production\` for all. Peers are TypeScript transpiled to plain JavaScript before they start, as astral-auth runs from its build.`,
    `- All targets are started and seeded first; then each workload runs in ${s.runs} round(s), and every round measures every target once, one after the other, so slow drifts and bursts of other work on the machine spread over all targets. Each figure gets a ${s.warmupS} s warm-up run (discarded) before its first measured run. Tables show the **median** over the rounds (each column's median taken separately)${s.runs === 1 ? " — with one round, simply that run" : ""}. Every response is checked (status, plus a body or cookie marker) and mismatches are counted as failed.`,
    `- The machine is shared with other work, so before every run the harness waits (up to ${s.maxQuietWaitS} s) until less than ${Math.round(QUIET_THRESHOLD * 100)}% of the cores are busy with anything but the target itself; a row marked † had a run that started busier than that, and is less reliable.`,
    `- Session validation: ${f0(s.sessions)} sessions spread evenly over ${f0(s.users)} users, requests cycling through all of them; wrk with 1 thread and ${s.sessionConnections} connections, ${s.sessionDurationS} s per run. The server (all its threads) is pinned to core 0 with \`taskset\`, wrk to core 1. PostgreSQL, when used, is not pinned and shares the machine.`,
    `- Login: wrk with 1 connection (latency) and 16 connections (throughput), ${s.loginDurationS} s per run, cycling over the ${f0(s.users)} users; nothing is pinned, so the server's hashing can use both cores (as in production on a 2-core box) and wrk shares them. The argon2id ceiling runs the same hash in its own process, 1 or 16 in flight, on libuv's default 4-thread pool.`,
    `- Registration: wrk, 16 connections, a unique e-mail per request, ${s.loginDurationS} s per run, unpinned.`,
    `- Ratios: "vs bare route" divides by the bare Fastify route (session table) or the bare argon2id loop (login/registration); "vs best alternative" divides by the fastest non-astral, non-ceiling row of the table (any credential kind). The password hashes differ between targets (argon2id, scrypt, bcrypt), so login ratios between them mostly compare the hashes.`,
    "",
    "Seeding and settings per target:",
    "",
    ...r.targets.map((t) => `- **${t.label}** (\`${t.id}\`): ${[...t.notes, t.seeding].filter(Boolean).join("; ")}${t.skipped ? ` — skipped: ${t.skipped}` : ""}${t.error ? ` — **failed**: ${t.error}` : ""}`),
    "",
    "## 1. Session validation",
    "",
    ...sessionTable(r.measurements),
    "",
    "## 2. Login",
    "",
    ...loginTable(r.measurements, notes),
    "",
    "## 3. Registration",
    "",
    "Auth.js has no registration of its own, so it has no row here.",
    "",
    ...registerTable(r.measurements),
    "",
    "## Problems seen in this run",
    "",
    ...(problems.length || failing.length || empty.length || noisyOnes.length
      ? [
          ...problems.map((t) => `- ${t.label}: ${t.skipped ? `skipped (${t.skipped})` : `failed: ${t.error}`}`),
          ...failing.map((x) => `- ${x.label} ${x.workload}/${x.variant}: ${x.median.failures} failed responses over the runs`),
          ...empty.map((x) => `- ${x.label} ${x.workload}/${x.variant}: a run completed no request at all (each request took longer than the run)`),
          ...(noisyOnes.length ? [noisySummary(r.measurements, noisyOnes)] : []),
        ]
      : ["- None: every target started and every checked response was as expected."]),
    "",
  ].join("\n");
}

/** Results file kept small enough to commit: numbers to 2 decimals, one measurement per line. */
export function compactJson(report: Report): string {
  const round = (_key: string, value: unknown) => (typeof value === "number" && !Number.isInteger(value) ? Math.round(value * 100) / 100 : value);
  const { measurements, ...rest } = report;
  const head = JSON.stringify(rest, round, 1).replace(/\n}$/, "");
  const lines = measurements.map((m) => "  " + JSON.stringify(m, round));
  return `${head},\n "measurements": [\n${lines.join(",\n")}\n ]\n}\n`;
}
