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

/** Lookups counted by one cache tier. */
export interface TierLookups { hit: number; miss: number }

/** What one load did, from the service's metrics read before and after it. */
export interface LoadFigures {
  load: "steady session checks" | "logins one at a time" | "mixed load";
  l1: TierLookups;
  l2: TierLookups;
  /** p99 upper bounds in milliseconds; NaN when nothing was observed. */
  queryMs: number;
  validationMs: number;
  verifyMs: number;
  loginMs: number;
}

/** One astral-auth target's figures from its own /metrics (bench/service-metrics.ts). */
export interface ServiceMetricsRun {
  id: string;
  label: string;
  loads: LoadFigures[];
}

export interface ServiceMetricsReport {
  date: string;
  cores: number;
  memoryGiB: number;
  node: string;
  astral: string;
  runs: number;
  /** Machine busy share (0..1) by other processes just before the runs, the most seen. */
  busyBefore: number;
  results: ServiceMetricsRun[];
}

/** One histogram series: its labels (without `le`) and its cumulative bucket counts by upper bound. */
export interface HistogramSeries { name: string; labels: Record<string, string>; buckets: Map<number, number> }

/** The `_bucket` lines of a Prometheus text exposition, one series per name and label set. */
export function parseHistograms(text: string): HistogramSeries[] {
  const series = new Map<string, HistogramSeries>();
  for (const line of text.split("\n")) {
    const m = /^([a-z_:][a-z0-9_:]*)_bucket\{(.*)\} (\S+)$/i.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    const le = labels.le === "+Inf" ? Infinity : Number(labels.le);
    delete labels.le;
    const key = `${m[1]}${JSON.stringify(labels)}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { name: m[1]!, labels, buckets: new Map() }));
    s.buckets.set(le, Number(m[3]));
  }
  return [...series.values()];
}

/**
 * The p99 of the matching series taken together, in milliseconds: the upper
 * bound of the first bucket holding 99 % of the observations (the true p99 is
 * at most this). With `since`, only what was observed after that reading.
 * NaN without observations, Infinity past the last bound.
 */
export function p99Bound(
  all: HistogramSeries[],
  name: string,
  where: (labels: Record<string, string>) => boolean,
  since: HistogramSeries[] = [],
): number {
  const sum = new Map<number, number>();
  const add = (series: HistogramSeries[], sign: number) => {
    for (const s of series) {
      if (s.name !== name || !where(s.labels)) continue;
      for (const [le, count] of s.buckets) sum.set(le, (sum.get(le) ?? 0) + sign * count);
    }
  };
  add(all, 1);
  add(since, -1);
  const bounds = [...sum.keys()].sort((a, b) => a - b);
  const total = sum.get(Infinity) ?? 0;
  if (total === 0) return NaN;
  const bound = bounds.find((le) => sum.get(le)! >= 0.99 * total) ?? Infinity;
  return bound * 1000;
}

const SEED_LIMITS = { queryMs: 10, validationMs: 25, verifyMs: 30, loginMs: 50 } as const;

/** The seed report's targets as the service's own metrics see them, one row per target and load. */
export function renderServiceMetrics(json: ServiceMetricsReport): string {
  // Each target applies to the load it is about; the mixed load, which saturates the hashing, is for information.
  const judged: Record<string, LoadFigures["load"][]> = {
    queryMs: ["steady session checks", "logins one at a time"],
    validationMs: ["steady session checks"],
    verifyMs: ["logins one at a time"],
    loginMs: ["logins one at a time"],
    ratio: ["steady session checks"],
  };
  const verdict = (met: boolean, key: string, load: LoadFigures["load"]) =>
    judged[key]!.includes(load) ? (met ? " (met)" : " (**missed**)") : "";
  const bound = (f: LoadFigures, key: keyof typeof SEED_LIMITS) => {
    const ms = f[key];
    if (!Number.isFinite(ms)) return "—";
    return `≤ ${ms < 1 ? ms.toFixed(2) : f0(ms)} ms${verdict(ms < SEED_LIMITS[key], key, f.load)}`;
  };
  const ratio = (f: LoadFigures) => {
    const total = f.l1.hit + f.l1.miss;
    if (total === 0) return "—";
    const share = f.l1.hit / total;
    return `${(100 * share).toFixed(2)} % of ${f0(total)}${verdict(share > 0.99, "ratio", f.load)}`;
  };
  return [
    "## The seed report's targets, from the service's own metrics",
    "",
    `Measured ${json.date.slice(0, 10)} on ${json.cores} cores / ${json.memoryGiB} GiB, Node ${json.node}, astral-auth ${json.astral}` +
      ` (\`bench/service-metrics.ts\`)${json.busyBefore > 0.15 ? `; the machine was up to ${Math.round(json.busyBefore * 100)}% busy with other work` : ""}.`,
    "",
    "Each astral-auth target is started with the suite's settings and gets the suite's users and 10,000 sessions. Then three loads," +
      ` ${json.runs} runs each after a warm-up: steady Bearer session checks (server pinned to core 0, wrk to core 1; the warm-up asks` +
      " for every session once, since a session's first check reads the store), logins one at a time, and the mixed load, which" +
      " keeps the hashing saturated. The service's `GET /metrics` is read before and after each load;" +
      " the figures are the difference, i.e. that load alone. A p99 is the upper bound of the histogram bucket it falls in, so the" +
      " true p99 is at most the figure shown; timings are the service's own (from the request's arrival to its answer), without the" +
      " network. Targets: database call < 10 ms, session check < 25 ms, verification < 30 ms (the hashing queue's wait included)," +
      " login < 50 ms, L1 hit ratio > 99 % on steady checks; each is judged on the load it is about, and the mixed load is for" +
      " information.",
    "",
    row(["Target", "Load", "L1 hit ratio", "L2 lookups (hit/miss)", "DB call p99", "session check p99", "verification p99", "login p99 (200s)"]),
    row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:"]),
    ...json.results.flatMap((r) => r.loads.map((f) => row([
      r.label,
      f.load,
      ratio(f),
      `${f0(f.l2.hit)}/${f0(f.l2.miss)}`,
      bound(f, "queryMs"),
      bound(f, "validationMs"),
      bound(f, "verifyMs"),
      bound(f, "loginMs"),
    ]))),
    "",
  ].join("\n");
}
