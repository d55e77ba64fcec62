// Markdown sections for the benchmarks that run on their own, outside the
// side-by-side suite: the session cache's memory (session-cache-memory.ts,
// bench/results/memory.json) and the revocation delay between instances
// (revocation.ts, bench/results/revocation.json).

/** Memory as the server's process.memoryUsage() and /proc report it, in MiB. */
export interface MemorySnapshot {
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
}

export interface MemoryRun {
  sessions: number;
  users: number;
  fillSeconds: number;
  fillPerSecond: number;
  /** L1 misses counted by the server while filling: one per session. */
  l1Misses: number;
  sampleChecked: number;
  /** Of the sample checked again after the fill, how many L1 answered. */
  sampleL1Hits: number;
  /** Risk events the checks raised (audit_events of type risk): 0 when every check came from its session's client. */
  riskEvents: number;
  /** After start-up and one check, after a full GC. */
  empty: MemorySnapshot;
  /** Resident size 2 s after the fill, without forcing a GC. */
  filledRssMiB: number;
  /** The highest resident size of the process (VmHWM). */
  peakRssMiB: number;
  /** After the fill, after a full GC. */
  full: MemorySnapshot;
  /** (full - empty) / sessions, after GC; heap counts V8's heap and the memory outside it (typed arrays, buffers). */
  bytesPerSession: { heap: number; rss: number };
}

export interface MemoryReport {
  date: string;
  node: string;
  cores: number;
  memoryGiB: number;
  astral: string;
  sessionsPerUser: number;
  connections: number;
  runs: MemoryRun[];
}

export interface DelayStats { count: number; p50: number; p95: number; p99: number; max: number; mean: number }

export interface RevocationKind {
  /** session: DELETE /v1/sessions/:id; logout-all: POST /v1/logout-all; password: POST /v1/password. */
  kind: string;
  label: string;
  /** Milliseconds from A's answer to B's first 401. */
  delay: DelayStats;
  /** Milliseconds A took to answer the revoking request. */
  revokeCall: DelayStats;
  /** Milliseconds a check of a cached session took on B, just before each revocation: one round trip, for scale. */
  cachedCheck: DelayStats;
  /** Checks B answered 200 after A's answer, before its 401 (summed over all revocations). */
  staleAnswers: number;
  /** Revocations B had not refused within the give-up time. */
  timedOut: number;
}

export interface RevocationReport {
  date: string;
  node: string;
  cores: number;
  astral: string;
  postgres: string;
  redis: string;
  /** Machine busy share (0..1) by other processes just before measuring. */
  busyBefore: number;
  settings: Record<string, string | number>;
  kinds: RevocationKind[];
}

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "—");
const row = (cells: string[]) => `| ${cells.join(" | ")} |`;

/** The memory section: one row per cache size, after a full GC, and the raw resident figures next to it. */
export function renderMemory(json: MemoryReport): string {
  const perUser = json.sessionsPerUser === 1 ? "each session its own user" : `${json.sessionsPerUser} sessions per user`;
  return [
    "## Session cache memory",
    "",
    `Measured ${json.date.slice(0, 10)} on ${json.cores} cores / ${json.memoryGiB} GiB, Node ${json.node}, astral-auth ${json.astral}` +
      ` (\`bench/session-cache-memory.ts\`).`,
    "",
    `\`node dist/cli.js serve\` on its own SQLite database, sessions written straight into it (${perUser}), then every session checked once with` +
      ` \`GET /v1/session\` (Bearer, ${json.connections} kept-alive connections), which fills the in-process cache (L1).` +
      " Heap (V8's heap used plus external memory such as typed arrays) and RSS are read in the server after two full collections;" +
      " per session is (filled − empty) / sessions. RSS before GC is read 2 s after the fill, as the process holds it." +
      " What does not grow with the cache (the answers memoised for the 50,000 views handed out last, and those views) weighs on the" +
      " per-session figures of a small cache.",
    "",
    row(["Sessions cached", "Heap bytes / session", "RSS bytes / session", "Heap used", "RSS after GC", "RSS before GC", "Peak RSS", "Empty RSS"]),
    row(["---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
    ...json.runs.map((r) => row([
      f0(r.sessions), f0(r.bytesPerSession.heap), f0(r.bytesPerSession.rss), `${f0(r.full.heapUsedMiB + r.full.externalMiB)} MiB`, `${f0(r.full.rssMiB)} MiB`,
      `${f0(r.filledRssMiB)} MiB`, `${f0(r.peakRssMiB)} MiB`, `${f0(r.empty.rssMiB)} MiB`,
    ])),
    "",
    ...json.runs.map((r) => `- ${f0(r.sessions)} sessions: filled at ${f0(r.fillPerSecond)} checks/s; ${f0(r.l1Misses)} L1 misses while filling;` +
      ` ${f0(r.sampleL1Hits)} of ${f0(r.sampleChecked)} sessions checked again were L1 hits; ${f0(r.riskEvents)} risk events recorded.`),
    "",
  ].join("\n");
}

/** The revocation section: one row per kind of revocation. */
export function renderRevocation(json: RevocationReport): string {
  const settings = Object.entries(json.settings).map(([k, v]) => `${k}=${v}`).join(", ");
  return [
    "## Revocation delay between instances",
    "",
    `Measured ${json.date.slice(0, 10)} on ${json.cores} cores, Node ${json.node}, astral-auth ${json.astral}, PostgreSQL ${json.postgres},` +
      ` Redis ${json.redis} (\`bench/revocation.ts\`)${json.busyBefore > 0.15 ? `; the machine was ${Math.round(json.busyBefore * 100)}% busy with other work` : ""}.`,
    "",
    "Two `node dist/cli.js serve` processes (A and B) on one PostgreSQL database and one Redis. Each session is first checked on both," +
      " so both caches hold it; then it is revoked on A and, from the moment A's answer arrives, B is asked `GET /v1/session` over a" +
      " kept-alive connection, again and again, until it answers 401. The delay is that time. When B answered no 200 after A's answer," +
      " the revocation had reached B before A answered, and the delay is one check that B cannot answer from its cache (it asks Redis" +
      " and PostgreSQL before it refuses)." +
      ` Settings: ${settings}.`,
    "",
    row(["Revocation", "Count", "p50 ms", "p95 ms", "p99 ms", "max ms", "200s from B after A answered", "never refused", "cached check on B, p50 ms", "A's answer p50 ms"]),
    row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
    ...json.kinds.map((k) => row([
      k.label, f0(k.delay.count), f2(k.delay.p50), f2(k.delay.p95), f2(k.delay.p99), f2(k.delay.max), f0(k.staleAnswers), f0(k.timedOut),
      f2(k.cachedCheck.p50), f2(k.revokeCall.p50),
    ])),
    "",
  ].join("\n");
}
