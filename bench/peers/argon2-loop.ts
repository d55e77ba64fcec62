// Login ceiling: argon2id (m=19456 KiB, t=2, p=1) hashing with nothing else,
// through @node-rs/argon2 on libuv's thread pool, so both cores can be used.
// Not a server: runs CONCURRENCY hashes in flight for WARMUP_S + DURATION_S
// seconds and prints one JSON line with throughput and latency percentiles.
import { hash } from "@node-rs/argon2";

const concurrency = Number(process.env.CONCURRENCY ?? 1);
const warmupS = Number(process.env.WARMUP_S ?? 1);
const durationS = Number(process.env.DURATION_S ?? 5);
// algorithm 2 is Algorithm.Argon2id (a const enum, which cannot be imported as a value here).
const options = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };

async function runFor(seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  async function worker() {
    while (performance.now() < end) {
      const t0 = performance.now();
      await hash(`bench-password-${n++}`, options);
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

await runFor(warmupS);
const t0 = performance.now();
const lat = (await runFor(durationS)).sort((a, b) => a - b);
const elapsedS = (performance.now() - t0) / 1000;
console.log(JSON.stringify({
  requests: lat.length,
  rps: lat.length / elapsedS,
  latencyMs: { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99) },
}));
