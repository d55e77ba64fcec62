// Runs wrk (pinned to its own core when asked) with lua/requests.lua over a
// file of pre-built requests (or lua/mixed.lua over a file of typed ones), and
// turns its BENCH_JSON line into a RunResult.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import type { RequestSpec, ResponseCheck, RunResult } from "./types.ts";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("../lua/requests.lua", import.meta.url));
const MIXED_SCRIPT = fileURLToPath(new URL("../lua/mixed.lua", import.meta.url));

/** Writes specs one per line, in the tab-separated form requests.lua reads (mixed.lua: with the type first). */
export function writeRequests(file: string, specs: RequestSpec[], kinds?: string[]): string {
  const lines = specs.map((s, i) => {
    for (const part of [s.method, s.path, s.body ?? "", ...Object.entries(s.headers ?? {}).flat()]) {
      if (/[\t\r\n]/.test(part)) throw new Error(`request field contains a tab or newline: ${part.slice(0, 60)}`);
    }
    const headers = Object.entries(s.headers ?? {}).map(([k, v]) => `${k}: ${v}`);
    return [...(kinds ? [kinds[i]!] : []), s.method, s.path, s.body ?? "", ...headers].join("\t");
  });
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

export interface WrkOptions {
  baseUrl: string;
  requestsFile: string;
  connections: number;
  durationS: number;
  cpus?: string;
  /** When set, every response must have this status, and the markers if given. */
  check?: ResponseCheck;
  /** Fixed rate: pace the run to about this many requests per second (see requests.lua). */
  pauseMs?: number;
  /** Stop once this many responses came back (the run still lasts durationS). */
  stopAfter?: number;
  /** Mixed runs (mixed.lua): what each request type's good answer looks like, most specific first. */
  typeChecks?: { kind: string; check: ResponseCheck }[];
}

export async function runWrk(o: WrkOptions): Promise<RunResult> {
  const scriptArgs = o.typeChecks
    ? o.typeChecks.map(({ kind, check: c }) => {
      const parts = [kind, String(c.status), c.bodyMarker ?? "", c.cookieMarker ?? ""];
      if (parts.some((p) => p.includes("|"))) throw new Error(`a mixed check may not contain '|': ${parts.join(" ")}`);
      return parts.join("|");
    })
    : [String(o.check?.status ?? ""), o.check?.cookieMarker ?? "", o.check?.bodyMarker ?? "",
      o.pauseMs === undefined ? "" : o.pauseMs.toFixed(3), o.stopAfter === undefined ? "" : String(o.stopAfter)];
  const wrkArgs = [
    "-t1", `-c${o.connections}`, `-d${o.durationS}s`, "--timeout", "10s",
    "-s", o.typeChecks ? MIXED_SCRIPT : SCRIPT, o.baseUrl, "--",
    o.requestsFile, randomBytes(4).toString("hex"), ...scriptArgs,
  ];
  const [cmd, args] = o.cpus ? ["taskset", ["-c", o.cpus, "wrk", ...wrkArgs]] : ["wrk", wrkArgs];
  const { stdout } = await run(cmd, args, { timeout: (o.durationS + 30) * 1000, maxBuffer: 1 << 20 });
  const line = stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line.slice("BENCH_JSON ".length)) as {
    requests: number; duration_us: number; bad: number;
    errors: Record<"connect" | "read" | "write" | "status" | "timeout", number>;
    latency_us: { p50: number; p95: number; p99: number };
    types?: Record<string, { sent: number; ok: number }>;
  };
  const e = r.errors;
  return {
    requests: r.requests,
    rps: r.requests / (r.duration_us / 1e6),
    p50: r.latency_us.p50 / 1000,
    p95: r.latency_us.p95 / 1000,
    p99: r.latency_us.p99 / 1000,
    failures: e.connect + e.read + e.write + e.timeout + (o.check || o.typeChecks ? r.bad : e.status),
    ...(r.types ? { perType: r.types } : {}),
  };
}

export async function wrkVersion(): Promise<string> {
  try {
    await run("wrk", ["-v"]);
    return "?";
  } catch (err) {
    // wrk -v prints its banner and exits 1.
    const out = String((err as { stdout?: string }).stdout ?? "");
    return out.split("\n")[0]?.replace(/\s+Copyright.*/, "").trim() || "?";
  }
}
