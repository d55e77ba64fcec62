// Medians across runs: of each figure independently (throughput and each percentile).
import type { RunResult, TypeCount } from "./types.ts";

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
    ...(runs[0]?.offeredRps !== undefined ? { offeredRps: runs[0].offeredRps } : {}),
    ...(runs.some((r) => r.perType) ? { perType: sumTypes(runs) } : {}),
  };
}

/** Per-type counts summed over the runs (a mixed run's shares are read from these). */
function sumTypes(runs: RunResult[]): Record<string, TypeCount> {
  const out: Record<string, TypeCount> = {};
  for (const r of runs) {
    for (const [kind, c] of Object.entries(r.perType ?? {})) {
      const t = (out[kind] ??= { sent: 0, ok: 0 });
      t.sent += c.sent;
      t.ok += c.ok;
    }
  }
  return out;
}
