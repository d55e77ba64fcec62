// Shapes shared by the runner, the targets and the report.

/** One HTTP request as wrk will send it. `@N@` in a body is replaced per request by a unique value. */
export interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** How a client proves its session: opaque token as Bearer, the session cookie, or a signed access token (JWT). */
export type SessionMode = "bearer" | "cookie" | "jwt";

/** What a good response looks like: status, and optionally a Set-Cookie or body containing a marker. */
export interface ResponseCheck { status: number; cookieMarker?: string; bodyMarker?: string }

export interface Credentials { email: string; password: string }

/** What wrk (or the argon2 loop) measured in one run. Latencies in milliseconds. */
export interface RunResult {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Responses with an unexpected status or without the expected marker, plus socket errors. */
  failures: number;
  /** Fixed-rate runs: the rate wrk was asked to pace itself to (req/s). */
  offeredRps?: number;
  /** Mixed runs: per request type (session, login, register). */
  perType?: Record<string, TypeCount>;
  /** Share of the cores busy with other work just before the run (0..1); absent for medians. */
  busyBefore?: number;
}

export type Workload = "session" | "login" | "register" | "fixed" | "mixed" | "scale";

/** Rows in astral-auth's tables when a scale measurement started. */
export interface TableCounts { users: number; sessions: number }

/** One request type of a mixed run: how many were sent and how many answered as expected. */
export interface TypeCount { sent: number; ok: number }

export interface Measurement {
  workload: Workload;
  target: string;
  label: string;
  role: Role;
  /** Session mode for session workloads, e.g. "bearer"; "c1"/"c16" for login, "c16" for register. */
  variant: string;
  connections: number;
  runs: RunResult[];
  median: RunResult;
  note?: string;
  /** Scale workload: the size step (bulk users and sessions aimed at) and the rows present when it was measured. */
  size?: number;
  counts?: TableCounts;
}

/** ceiling: nothing real to beat (bare route, bare argon2); peer: an alternative; subject: astral-auth. */
export type Role = "ceiling" | "peer" | "subject";

export interface Settings {
  quick: boolean;
  sessions: number;
  users: number;
  runs: number;
  warmupS: number;
  sessionDurationS: number;
  loginDurationS: number;
  sessionConnections: number;
  only: string[] | null;
  /** Longest wait for an idle machine before each run, in seconds. */
  maxQuietWaitS: number;
  workloads: Workload[];
  /** Scale workload: database sizes (users, with as many sessions) to grow through. */
  scaleSizes: number[];
  /** Scale workload: sessions the validation requests are spread over at each size. */
  scaleSample: number;
  /** Mixed workload: seconds per run. */
  mixedDurationS: number;
}
