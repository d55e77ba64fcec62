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
  /** Share of the cores busy with other work just before the run (0..1); absent for medians. */
  busyBefore?: number;
}

export type Workload = "session" | "login" | "register";

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
}
