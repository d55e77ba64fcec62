// What a target is to the runner: something it can start, seed, and send
// requests to. Each capability is optional; the runner measures what exists.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { freePort, startProcess, stopProcess, waitForHttp, type Proc } from "../lib/processes.ts";
import { compilePeer } from "../lib/compile.ts";
import type { Credentials, RequestSpec, ResponseCheck, Role, RunResult, SessionMode, Settings, TableCounts } from "../lib/types.ts";

export type { ResponseCheck };

export const BENCH_DIR = fileURLToPath(new URL("..", import.meta.url));
export const ROOT_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface StartContext {
  tmpDir: string;
  settings: Settings;
  /** Set when the instance is a scale-workload one: its own store, named apart. */
  purpose?: "scale";
}

/** A mixed run's request types, in the order responses are matched against them (most specific first). */
export type MixedKind = "session" | "login" | "register";

/** How a target takes part in the mixed workload. */
export interface MixedHooks {
  /** What each type's good answer looks like; responses are matched in this order. */
  checks: { kind: MixedKind; check: ResponseCheck }[];
  /** Which session credential the checks use. */
  mode: SessionMode;
  /** A registration request for targets whose `register` is not the one to use (Auth.js: the test app's own sign-up). */
  register?: RequestSpec;
  note?: string;
}

/** The scale workload's hooks: grow one store in place and hand out requests over all of it. */
export interface ScaleHooks {
  /** Adds bulk users, one session each, until the users table holds `totalUsers` rows. */
  grow(totalUsers: number): Promise<{ added: number; seconds: number; counts: TableCounts }>;
  /** Bearer session checks over `n` distinct bulk sessions drawn at random over all of them, none handed out before. */
  freshSessions(n: number): RequestSpec[];
  /** Bearer session checks over `n` bulk sessions drawn at random over all of them (may repeat earlier draws). */
  sessions(n: number): RequestSpec[];
  /** Logins of `n` bulk users drawn at random over all of them. */
  logins(n: number): Promise<RequestSpec[]>;
  counts(): Promise<TableCounts>;
  /** How the rows were written, for the report. */
  describe(): string;
}

export interface Instance {
  baseUrl: string;
  proc?: Proc;
  /** Creates `count` users and returns their credentials. */
  seedUsers?(count: number): Promise<Credentials[]>;
  /** Creates `count` sessions spread over `users`; one request list per supported mode. */
  seedSessions?(users: Credentials[], count: number): Promise<Partial<Record<SessionMode, RequestSpec[]>>>;
  /** What a valid session check answers; default: 200 with "user" in the body. */
  sessionCheck?: ResponseCheck;
  /** The request that checks a session for the bare ceiling, which has no sessions. */
  sessionRequests?(count: number): Partial<Record<SessionMode, RequestSpec[]>>;
  login?: { request(user: Credentials): RequestSpec; check: ResponseCheck };
  register?: { request(): RequestSpec; check: ResponseCheck };
  mixed?: MixedHooks;
  scale?: ScaleHooks;
  /** Non-HTTP ceilings measure themselves (argon2 loop). */
  loop?(concurrency: number, warmupS: number, durationS: number): Promise<RunResult>;
  /** Facts worth printing next to the figures (hash parameters, settings changed). */
  notes: string[];
  stop(): Promise<void>;
}

export interface Target {
  id: string;
  label: string;
  role: Role;
  /** Returns a reason to skip (e.g. not built yet), or null. */
  unavailable?(): string | null;
  start(ctx: StartContext): Promise<Instance>;
}

export const randomSecret = () => randomBytes(32).toString("hex");
export const randomId = () => randomBytes(6).toString("hex");

/** Starts one of bench/peers/*.ts (compiled to plain JS) as its own Node process on a free loopback port. */
export async function startPeer(ctx: StartContext, name: string, script: string, env: Record<string, string>, readyPath = "/"):
  Promise<{ proc: Proc; baseUrl: string; stop(): Promise<void> }> {
  const port = await freePort();
  const proc = startProcess({
    name,
    command: process.execPath,
    args: [await compilePeer(BENCH_DIR, script)],
    cwd: BENCH_DIR,
    env: { NODE_ENV: "production", HOST: "127.0.0.1", PORT: String(port), ...env },
    logFile: join(ctx.tmpDir, `${name}.log`),
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(proc, baseUrl + readyPath);
  return { proc, baseUrl, stop: () => stopProcess(proc) };
}

/** Which user owns session i: sessions are spread evenly over the users. */
export const userFor = <T>(users: T[], i: number): T => users[i % users.length]!;

/** A password no policy will call common, different for every user. */
export const benchPassword = (i: number) => `bench-${i}-${randomBytes(6).toString("hex")}-pw`;
