// Turns measurements into docs/benchmarks.md: machine header, method, one
// table per workload with medians and ratios, the targets met or missed (and
// by how much), and what went wrong.
import type { MachineInfo } from "./machine.ts";
import type { Measurement, Settings } from "./types.ts";
import { QUIET_THRESHOLD } from "./quiet.ts";
import { FIRST_USE, type ScaleSummary } from "./scale.ts";

export interface TargetSummary { id: string; label: string; notes: string[]; skipped?: string; error?: string; seeding?: string }

export interface Report {
  machine: MachineInfo;
  settings: Settings;
  targets: TargetSummary[];
  measurements: Measurement[];
  elapsedS: number;
  /** Options the suite was run with (absent in older result files). */
  argv?: string[];
  /** The scale workload's own instances and how their stores grew. */
  scale?: ScaleSummary[];
}

/** The issue's targets. */
export const TARGET_VALIDATION_P99_MS = 25;
export const TARGET_LOGIN_P99_MS = 50;
export const TARGET_FIXED_P99_MS = 1;
export const TARGET_SCALE_DRIFT = 0.1;
export const TARGET_VS_BARE = 0.7;
export const AIM_VS_BARE = 0.85;
export const TARGET_VS_PEERS = 30;
export const TARGET_LOGIN_VS_HASH = 1.1;
export const TARGET_LOGINS_VS_LOOP = 0.9;

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

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "—");
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)} %` : "—");

function fixedTable(ms: Measurement[]): string[] {
  const rows = ms.filter((m) => m.workload === "fixed");
  if (!rows.length) return ["_Not run._"];
  return [
    row(["Target", "offered req/s", "achieved req/s", "achieved / offered", "p50 ms", "p95 ms", "p99 ms", `p99 ≤ ${TARGET_FIXED_P99_MS} ms`, "failed"]),
    row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---", "---:"]),
    ...rows.map((m) => {
      const offered = m.median.offeredRps ?? NaN;
      return row([
        name(m), f0(offered), f0(m.median.rps), pct(m.median.rps / offered), f2(m.median.p50), f2(m.median.p95), f2(m.median.p99),
        m.role === "subject" ? verdictMax(m.median.p99, TARGET_FIXED_P99_MS, "ms") : "—", f0(m.median.failures),
      ]);
    }),
  ];
}

const MIXED_KINDS = ["session", "login", "register"] as const;

function mixedTable(ms: Measurement[]): string[] {
  const rows = ms.filter((m) => m.workload === "mixed");
  if (!rows.length) return ["_Not run._"];
  return [
    row(["Target", "Session credential", "req/s (all)", "p50 ms", "p95 ms", "p99 ms", "session checks/s", "logins/s", "registrations/s", "answered as expected (checks / logins / registrations)", "failed"]),
    row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---", "---:"]),
    ...rows.map((m) => {
      const t = m.median.perType ?? {};
      const okAll = MIXED_KINDS.reduce((n, k) => n + (t[k]?.ok ?? 0), 0) + m.median.failures;
      // Per-type rates: the run's rate split by the share of answers of each type (summed over the rounds).
      const rate = (k: string) => (okAll > 0 ? (m.median.rps * (t[k]?.ok ?? 0)) / okAll : NaN);
      const shares = MIXED_KINDS.map((k) => `${f0(t[k]?.ok ?? NaN)} / ${f0(t[k]?.sent ?? NaN)}`).join(" · ");
      return row([
        name(m), MODE_LABEL[m.variant] ?? m.variant, f0(m.median.rps), f2(m.median.p50), f2(m.median.p95), f2(m.median.p99),
        f0(rate("session")), f0(rate("login")), f0(rate("register")), shares, f0(m.median.failures),
      ]);
    }),
  ];
}

interface ScaleFigure { label: string; get(ms: Measurement[], size: number): number; higherIsBetter: boolean; unit: string; target: boolean }

const scaleMeasure = (ms: Measurement[], size: number, variant: string) => ms.find((m) => m.size === size && m.variant === variant);
const SCALE_FIGURES: ScaleFigure[] = [
  { label: "checks req/s (Bearer, cached)", get: (ms, n) => scaleMeasure(ms, n, "bearer")?.median.rps ?? NaN, higherIsBetter: true, unit: "req/s", target: true },
  { label: "checks p50 ms", get: (ms, n) => scaleMeasure(ms, n, "bearer")?.median.p50 ?? NaN, higherIsBetter: false, unit: "ms", target: false },
  { label: "checks p99 ms", get: (ms, n) => scaleMeasure(ms, n, "bearer")?.median.p99 ?? NaN, higherIsBetter: false, unit: "ms", target: false },
  { label: "first use p50 ms (c=1)", get: (ms, n) => scaleMeasure(ms, n, "first-use")?.median.p50 ?? NaN, higherIsBetter: false, unit: "ms", target: true },
  { label: "first use p99 ms (c=1)", get: (ms, n) => scaleMeasure(ms, n, "first-use")?.median.p99 ?? NaN, higherIsBetter: false, unit: "ms", target: false },
  { label: "login p50 ms (c=1)", get: (ms, n) => scaleMeasure(ms, n, "login c1")?.median.p50 ?? NaN, higherIsBetter: false, unit: "ms", target: true },
  { label: "login p99 ms (c=1)", get: (ms, n) => scaleMeasure(ms, n, "login c1")?.median.p99 ?? NaN, higherIsBetter: false, unit: "ms", target: false },
  { label: "registrations/s (c=16)", get: (ms, n) => scaleMeasure(ms, n, "register c16")?.median.rps ?? NaN, higherIsBetter: true, unit: "req/s", target: true },
  { label: "registration p99 ms (c=16)", get: (ms, n) => scaleMeasure(ms, n, "register c16")?.median.p99 ?? NaN, higherIsBetter: false, unit: "ms", target: false },
];

/** Largest vs smallest size: the drift in the unfavourable direction, against the 10 % target. */
function driftVerdict(first: number, last: number, higherIsBetter: boolean): string {
  if (!Number.isFinite(first) || !Number.isFinite(last) || first <= 0) return "—";
  const worse = higherIsBetter ? 1 - last / first : last / first - 1;
  if (worse > TARGET_SCALE_DRIFT) return `**missed**: ${(worse * 100).toFixed(0)} % worse`;
  // Better by more than the margin: no sign of growth with size, but outside the ±10 % band.
  return -worse > TARGET_SCALE_DRIFT ? `met; ${(-worse * 100).toFixed(0)} % better, outside the ±${TARGET_SCALE_DRIFT * 100} % band (noisy)` : "met";
}

function scaleSection(r: Report): string[] {
  const all = r.measurements.filter((m) => m.workload === "scale");
  const summaries = r.scale ?? [];
  if (!summaries.length && !all.length) return ["_Not run._"];
  const out: string[] = [];
  for (const t of summaries) {
    const ms = all.filter((m) => m.target === t.id);
    const sizes = [...new Set(ms.map((m) => m.size!))].sort((a, b) => a - b);
    out.push(`### ${t.label}`, "");
    if (t.error) out.push(`**Failed**: ${t.error}`, "");
    if (!sizes.length) { out.push("_No figures._", ""); continue; }
    const first = sizes[0]!, last = sizes.at(-1)!;
    const step = (n: number) => t.steps.find((x) => x.size === n);
    const noisyAt = (n: number) => ms.some((m) => m.size === n && noisy(m));
    out.push(
      row(["Figure", ...sizes.map((n) => `${f0(n)}${noisyAt(n) ? " †" : ""}`), `ratio ${f0(last)} / ${f0(first)}`, `target: no more than ${TARGET_SCALE_DRIFT * 100} % worse`]),
      row(["---", ...sizes.map(() => "---:"), "---:", "---"]),
      row(["users in the table", ...sizes.map((n) => f0(ms.find((m) => m.size === n)?.counts?.users ?? NaN)), "", ""]),
      row(["sessions in the table", ...sizes.map((n) => f0(ms.find((m) => m.size === n)?.counts?.sessions ?? NaN)), "", ""]),
      row(["rows added before (s)", ...sizes.map((n) => { const x = step(n); return x ? `${f0(x.added)} (${f1(x.seconds)} s)` : "—"; }), "", ""]),
      ...SCALE_FIGURES.map((f) => {
        const a = f.get(ms, first), b = f.get(ms, last);
        return row([f.label, ...sizes.map((n) => (f.unit === "ms" ? f2 : f0)(f.get(ms, n))), ratio(b, a), f.target ? driftVerdict(a, b, f.higherIsBetter) : `(${driftVerdict(a, b, f.higherIsBetter)})`]);
      }),
      row(["failed responses", ...sizes.map((n) => f0(ms.filter((m) => m.size === n).reduce((k, m) => k + m.median.failures, 0))), "", ""]),
      "",
    );
  }
  return out;
}

/** p ≤ limit: "met", or "missed" with how far over. */
function verdictMax(value: number, limit: number, unit: string): string {
  if (!Number.isFinite(value)) return "—";
  return value <= limit ? `met (${ratio(value, limit)} of the limit)` : `**missed** by ${f2(value - limit)} ${unit} (${ratio(value, limit)})`;
}

function targetsSection(r: Report): string[] {
  const ms = r.measurements;
  const lines: string[] = [];
  const subject = (m: Measurement) => m.role === "subject";
  const sessions = ms.filter((m) => m.workload === "session" && subject(m));
  if (sessions.length) {
    lines.push(`- **Session validation p99 < ${TARGET_VALIDATION_P99_MS} ms** (full speed, ${r.settings.sessionConnections} connections, section 1):`);
    for (const m of sessions) lines.push(`  - ${name(m)}, ${MODE_LABEL[m.variant] ?? m.variant}: p99 ${f2(m.median.p99)} ms — ${verdictMax(m.median.p99, TARGET_VALIDATION_P99_MS, "ms")}`);
  }
  lines.push(...ratioTargets(ms));
  const logins = ms.filter((m) => m.workload === "login" && subject(m) && m.variant === "c1");
  if (logins.length) {
    lines.push(`- **Login p99 < ${TARGET_LOGIN_P99_MS} ms** (one login at a time, section 3):`);
    for (const m of logins) lines.push(`  - ${name(m)}: p99 ${f2(m.median.p99)} ms — ${verdictMax(m.median.p99, TARGET_LOGIN_P99_MS, "ms")}`);
  }
  const fixed = ms.filter((m) => m.workload === "fixed" && subject(m));
  if (fixed.length) {
    lines.push(`- **Session validation p99 ≤ ${TARGET_FIXED_P99_MS} ms at half the bare route's max req/s** (section 2; a lower bound, see the method):`);
    for (const m of fixed) {
      const short = (m.median.offeredRps ?? 0) > 0 && m.median.rps < 0.95 * m.median.offeredRps! ? `; only ${pct(m.median.rps / m.median.offeredRps!)} of the offered rate was reached` : "";
      lines.push(`  - ${name(m)}: p99 ${f2(m.median.p99)} ms at ${f0(m.median.rps)} of ${f0(m.median.offeredRps ?? NaN)} req/s offered — ${verdictMax(m.median.p99, TARGET_FIXED_P99_MS, "ms")}${short}`);
    }
  }
  for (const t of r.scale ?? []) {
    const s = ms.filter((m) => m.workload === "scale" && m.target === t.id);
    const sizes = [...new Set(s.map((m) => m.size!))].sort((a, b) => a - b);
    if (sizes.length < 2) continue;
    const first = sizes[0]!, last = sizes.at(-1)!;
    lines.push(`- **Within ${TARGET_SCALE_DRIFT * 100} % from ${f0(first)} to ${f0(last)} users and sessions**, ${t.label} (section 6):`);
    for (const f of SCALE_FIGURES.filter((x) => x.target)) {
      const a = f.get(s, first), b = f.get(s, last);
      lines.push(`  - ${f.label}: ${(f.unit === "ms" ? f2 : f0)(a)} → ${(f.unit === "ms" ? f2 : f0)(b)} ${f.unit} (${ratio(b, a)}) — ${driftVerdict(a, b, f.higherIsBetter)}`);
    }
  }
  return lines.length ? lines : ["_No astral-auth figure in this run._"];
}

/** At least `floor` times the reference: "met", or "missed" with the ratio reached. */
function verdictMin(value: number, reference: number, floor: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference <= 0) return "—";
  const reached = value / reference;
  return reached >= floor ? `met (${reached.toFixed(2)}×)` : `**missed**: ${reached.toFixed(2)}× (${pct(reached / floor)} of the target)`;
}

/** The issue's ratio targets, each against its reference measured in the same run. */
function ratioTargets(ms: Measurement[]): string[] {
  const lines: string[] = [];
  const find = (workload: string, target: string, variant: string) => ms.find((m) => m.workload === workload && m.target === target && m.variant === variant);
  const subjects = (workload: string) => ms.filter((m) => m.workload === workload && m.role === "subject");
  const bare = find("session", "fastify-bare", "bearer")?.median.rps ?? NaN;
  const peers = ms.filter((m) => m.workload === "session" && m.role === "peer" && !m.target.startsWith("handwritten"));
  const bestPeer = Math.max(...peers.map((m) => m.median.rps));
  const sessions = subjects("session");
  if (sessions.length) {
    lines.push(`- **Session validation ≥ ${TARGET_VS_BARE}× the bare route's req/s (aim ${AIM_VS_BARE}×) and ≥ ${TARGET_VS_PEERS}× Better Auth's and Auth.js's best** (section 1; bare ${f0(bare)} req/s, best of those peers ${f0(bestPeer)} req/s):`);
    for (const m of sessions) {
      lines.push(`  - ${name(m)}, ${MODE_LABEL[m.variant] ?? m.variant}: ${f0(m.median.rps)} req/s — vs bare ${verdictMin(m.median.rps, bare, TARGET_VS_BARE)}; vs peers ${verdictMin(m.median.rps, bestPeer, TARGET_VS_PEERS)}`);
    }
  }
  const hashC1 = find("login", "argon2-loop", "c1")?.median.p50 ?? NaN;
  const hashC16 = find("login", "argon2-loop", "c16")?.median.rps ?? NaN;
  const c1 = subjects("login").filter((m) => m.variant === "c1");
  if (c1.length) {
    lines.push(`- **Login p50 at c=1 ≤ ${TARGET_LOGIN_VS_HASH}× one verification** (section 3; one argon2id verification alone: p50 ${f2(hashC1)} ms):`);
    for (const m of c1) lines.push(`  - ${name(m)}: p50 ${f2(m.median.p50)} ms, ${ratio(m.median.p50, hashC1)} — ${m.median.p50 <= TARGET_LOGIN_VS_HASH * hashC1 ? "met" : `**missed** by ${f2(m.median.p50 - TARGET_LOGIN_VS_HASH * hashC1)} ms`}`);
  }
  const c16 = subjects("login").filter((m) => m.variant === "c16");
  if (c16.length) {
    lines.push(`- **Logins/s at c=16 ≥ ${TARGET_LOGINS_VS_LOOP}× the bare hashing loop on both cores** (section 3; loop ${f0(hashC16)} hashes/s):`);
    for (const m of c16) lines.push(`  - ${name(m)}: ${f0(m.median.rps)} logins/s — ${verdictMin(m.median.rps, hashC16, TARGET_LOGINS_VS_LOOP)}`);
  }
  return lines;
}

function noisySummary(all: Measurement[], noisyOnes: Measurement[]): string {
  const shares = all.flatMap((m) => m.runs.map((run) => run.busyBefore ?? 0)).sort((a, b) => a - b);
  const mid = shares[Math.floor(shares.length / 2)] ?? 0;
  return `- ${noisyOnes.length} of ${all.length} figures (marked †) had a run that started while other work kept more than ${Math.round(QUIET_THRESHOLD * 100)}% of the cores busy; over all runs, the median share busy with other work just before a run was ${Math.round(mid * 100)}% (per run: \`busyBefore\` in bench/results/latest.json). Read those figures as rough.`;
}

export function renderMarkdown(r: Report): string {
  const { machine: m, settings: s } = r;
  const notes = new Map(r.targets.map((t) => [t.id, t.notes]));
  const problems = [...r.targets, ...(r.scale ?? []).map((t) => ({ ...t, label: `${t.label} (scale)`, skipped: undefined }))].filter((t) => t.skipped || t.error);
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
    `- Seeding astral-auth: users register through \`POST /v1/register\` and 16 of them log in through \`POST /v1/login\`; every other session is **written straight into the service's own store** (SQLite file or PostgreSQL database) after the service has migrated it, as the rows the service itself writes: the SHA-256 of an \`ast_\` token as 32 raw bytes, the user's id, creation, expiry (7 days, the default lifetime) and last-seen times. A login costs one argon2id verification (about 20 ms of a core), so seeding through the API took minutes for thousands of sessions and would take hours for a million; a session's row is all the service keeps of it, so a written one is checked exactly like a logged-in one (the harness checks a few seeded tokens answer \`GET /v1/session\` with 200 and the right user before measuring). Access tokens exist only through the API: a few hundred are issued by \`POST /v1/token\` for seeded sessions spread over the whole set. The store's own constraints (NOT NULL, CHECK, types, foreign keys) check every written row.`,
    `- Fixed rate (section 2): half the bare route's median max req/s from section 1 is offered to the bare route, the hand-written check and astral-auth on each store, Bearer tokens over the same sessions, ${s.sessionConnections} connections, pinned as in section 1, ${s.sessionDurationS} s per run. wrk 4.1 has no fixed-rate mode, so the run is paced with wrk's Lua \`delay()\`: every connection pauses connections ÷ rate between a response and its next request (whole milliseconds, floor or ceiling at random to keep the mean), and after each run (two warm-up runs first) the pause is recalibrated: the nominal pause less the round trip that run saw (its cycle per connection less its pause), which also absorbs the slack of wrk's millisecond timers. The rate reached is shown next to the one offered. This is closed-loop pacing: a slow answer delays the next request of its connection instead of letting requests queue up behind it, so queueing delay beyond one connection's is not seen (coordinated omission), and the p99 shown is a **lower bound** of what clients arriving at that rate would see. (wrk2, which corrects for this, is not packaged in Debian; autocannon's \`overallRate\` paces the same closed-loop way from a Node process.)`,
    `- Login: wrk with 1 connection (latency) and 16 connections (throughput), ${s.loginDurationS} s per run, cycling over the ${f0(s.users)} users; nothing is pinned, so the server's hashing can use both cores (as in production on a 2-core box) and wrk shares them. The argon2id ceiling runs the same hash in its own process, 1 or 16 in flight, on libuv's default 4-thread pool.`,
    `- Registration: wrk, 16 connections, a unique e-mail per request, ${s.loginDurationS} s per run, unpinned.`,
    `- Mixed load (section 5): one wrk run of ${s.mixedDurationS} s, ${s.sessionConnections} connections, unpinned, over one request file in which every 50 requests hold 45 session checks (over the seeded sessions), 4 logins (over the users) and 1 registration (unique e-mail), evenly interleaved. wrk's Lua cannot tie a response to its request, nor time one finer than a second, so each answer is classified by what it looks like (status and a marker, checked unambiguous before the run) and counted per type; **latency is only known over all requests**, not per type. Per-type rates split the run's rate by the share of answers of each type.`,
    `- Scale (section 6): astral-auth on SQLite and on PostgreSQL + Redis, each a fresh instance whose store grows in place through ${s.scaleSizes.map(f0).join(", ")} users, each with one session (the service keeps running; no restart between sizes). 8 users register and log in through the API first; the bulk users and their sessions are written straight into the store (as above), all with one argon2id hash (m=19456, t=2, p=1, the service's default, made once with @node-rs/argon2) of one password, so that logging in as any of them costs exactly one verification; the harness checks that a login keeps that hash (no rehash). PostgreSQL gets \`ANALYZE\` after each growth, SQLite a WAL checkpoint. At each size: ${FIRST_USE} sessions never asked for before are checked once each at 1 connection (\"first use\": each is read from the store, not the cache); then ${f0(s.scaleSample)} sessions drawn at random over the whole table are checked once each (through Node, answers checked) and the measured runs cycle over them (\"cached\": ASTRAL_CACHE_MAX_SESSIONS stays at its default 100,000, which holds them, so it is not raised); logins at c=1 cycle over 2,000 users drawn over the whole table; registrations at c=16 add rows as they go. Durations, rounds and pinning as in sections 1, 3 and 4. The row counts shown are those present when a size's measurements began.`,
    `- Ratios: "vs bare route" divides by the bare Fastify route (session table) or the bare argon2id loop (login/registration); "vs best alternative" divides by the fastest non-astral, non-ceiling row of the table (any credential kind). The password hashes differ between targets (argon2id, scrypt, bcrypt), so login ratios between them mostly compare the hashes.`,
    "",
    "Seeding and settings per target:",
    "",
    ...r.targets.map((t) => `- **${t.label}** (\`${t.id}\`): ${[...t.notes, t.seeding].filter(Boolean).join("; ")}${t.skipped ? ` — skipped: ${t.skipped}` : ""}${t.error ? ` — **failed**: ${t.error}` : ""}`),
    ...(r.scale ?? []).map((t) => `- **${t.label}**, scale workload (\`${t.id}\`, own instance): ${[...t.notes, t.seeding].filter(Boolean).join("; ")}${t.error ? ` — **failed**: ${t.error}` : ""}`),
    "",
    "## 1. Session validation",
    "",
    ...sessionTable(r.measurements),
    "",
    "## 2. Session validation at a fixed rate",
    "",
    "Offered: half the bare route's max req/s from section 1. The p99 is a lower bound (closed-loop pacing, see the method).",
    "",
    ...fixedTable(r.measurements),
    "",
    "## 3. Login",
    "",
    ...loginTable(r.measurements, notes),
    "",
    "## 4. Registration",
    "",
    "Auth.js has no registration of its own, so it has no row here.",
    "",
    ...registerTable(r.measurements),
    "",
    "## 5. Mixed load",
    "",
    "90 % session checks, 8 % logins, 2 % registrations in one run. Auth.js has no registration: its 2 % go to the test app's own sign-up route (bcrypt + insert, not Auth.js code). Latency is over all requests together: wrk's Lua cannot time request types apart. \"Answered as expected\" counts, per type and over the rounds, the answers that matched that type's check out of the requests sent; the difference is requests still in flight when a run ended (logins and registrations, the slow ones, are most of those) plus failures, which are counted apart.",
    "",
    ...mixedTable(r.measurements),
    "",
    `## 6. Scale: ${s.scaleSizes.map(f0).join(", ")} users and sessions`,
    "",
    `One store per target, grown in place; figures are medians over the rounds at each size, except first use (one run over each size's never-used sessions). Target: no more than ${TARGET_SCALE_DRIFT * 100} % worse at the largest size than at the smallest; verdicts in parentheses are for information, not targets. The sizes are measured one after the other, not interleaved, so other work on a shared machine lands on some sizes and not others: a miss at a size marked † may be that rather than the size (each run's figures and busy share are in bench/results/latest.json).`,
    "",
    ...scaleSection(r),
    "## 7. Targets",
    "",
    ...targetsSection(r),
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
