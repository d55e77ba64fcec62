// Login ceiling: the bare argon2id loop (peers/argon2-loop.ts) in its own
// process on both cores. No HTTP, no database: what the hash alone allows.
import { join } from "node:path";
import { startProcess } from "../lib/processes.ts";
import { readFileSync } from "node:fs";
import type { RunResult } from "../lib/types.ts";
import { BENCH_DIR, type Target } from "./common.ts";
import { compilePeer } from "../lib/compile.ts";

export const argon2Loop: Target = {
  id: "argon2-loop",
  label: "bare argon2id loop",
  role: "ceiling",
  async start(ctx) {
    let n = 0;
    const script = await compilePeer(BENCH_DIR, "argon2-loop.ts");
    return {
      baseUrl: "",
      notes: ["@node-rs/argon2, m=19456 t=2 p=1, libuv pool (4 threads) on both cores"],
      async loop(concurrency, warmupS, durationS): Promise<RunResult> {
        const logFile = join(ctx.tmpDir, `argon2-loop-${n++}.log`);
        const proc = startProcess({
          name: "argon2-loop",
          command: process.execPath,
          args: [script],
          cwd: BENCH_DIR,
          env: { CONCURRENCY: String(concurrency), WARMUP_S: String(warmupS), DURATION_S: String(durationS) },
          logFile,
        });
        const code = await proc.exited;
        const lines = readFileSync(logFile, "utf8").trim().split("\n");
        if (code !== 0) throw new Error(`argon2 loop exited ${code}: ${lines.slice(-5).join("\n")}`);
        const r = JSON.parse(lines.at(-1)!) as { requests: number; rps: number; latencyMs: { p50: number; p95: number; p99: number } };
        return { requests: r.requests, rps: r.rps, ...r.latencyMs, failures: 0 };
      },
      async stop() { /* each loop is its own short-lived process */ },
    };
  },
};
