// Medians across runs: of each figure independently (throughput and each percentile).
import type { RunResult } from "./types.ts";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function medianRun(runs: RunResult[]): RunResult {
  const pick = (key: "requests" | "rps" | "p50" | "p95" | "p99") => median(runs.map((r) => r[key]));
  return {
    requests: pick("requests"),
    rps: pick("rps"),
    p50: pick("p50"),
    p95: pick("p95"),
    p99: pick("p99"),
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
  };
}
