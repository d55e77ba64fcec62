// Benchmark suite entry point: starts each target in turn, seeds it, runs the
// workloads it supports, stops it, then writes bench/results/latest.json and
// docs/benchmarks.md. Run from the project root:
//   node --import tsx bench/run.ts [--quick] [--only=...] (see --help)
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "./lib/options.ts";
import { machineInfo } from "./lib/machine.ts";
import { killAllStarted } from "./lib/processes.ts";
import { measureLogins, measureRegistrations, measureSessions, type MeasureContext } from "./lib/measure.ts";
import { renderMarkdown, type Report, type TargetSummary } from "./lib/report.ts";
import type { Credentials, Measurement } from "./lib/types.ts";
import { BENCH_DIR, ROOT_DIR, type Instance, type Target } from "./targets/common.ts";
import { fastifyBare } from "./targets/fastify-bare.ts";
import { handwritten } from "./targets/handwritten.ts";
import { astralPostgres, astralPostgresRedis, astralSqlite } from "./targets/astral.ts";
import { betterAuthPostgres, betterAuthSqlite } from "./targets/better-auth.ts";
import { authjs } from "./targets/authjs.ts";
import { argon2Loop } from "./targets/argon2.ts";

/** Every target, in the order they run and appear. Add new ones here. */
const TARGETS: Target[] = [fastifyBare, handwritten, astralSqlite, astralPostgres, astralPostgresRedis, betterAuthSqlite, betterAuthPostgres, authjs, argon2Loop];

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function selectTargets(only: string[] | null): Target[] {
  if (!only) return TARGETS;
  const unknown = only.filter((id) => !TARGETS.some((t) => t.id === id));
  if (unknown.length) throw new Error(`unknown target(s): ${unknown.join(", ")}`);
  return TARGETS.filter((t) => only.includes(t.id));
}

/** Runs every workload one target supports; the target is stopped whatever happens. */
async function benchTarget(ctx: MeasureContext, target: Target, inst: Instance, summary: TargetSummary): Promise<Measurement[]> {
  const { settings } = ctx;
  const out: Measurement[] = [];
  const wants = (w: string) => settings.workloads.includes(w as never);
  let users: Credentials[] = [];
  const needUsers = (wants("session") && inst.seedSessions) || (wants("login") && inst.login);
  if (needUsers && inst.seedUsers) {
    const t0 = Date.now();
    users = await inst.seedUsers(settings.users);
    log(`  created ${users.length} users in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (wants("session") && (inst.seedSessions || inst.sessionRequests)) {
    const t0 = Date.now();
    out.push(...await measureSessions(ctx, target, inst, users));
    summary.seeding = `${settings.sessions} sessions over ${users.length || "no"} users (session phase ${Math.round((Date.now() - t0) / 1000)} s incl. seeding)`;
  }
  if (wants("login") && (inst.login || inst.loop)) out.push(...await measureLogins(ctx, target, inst, users));
  if (wants("register") && inst.register) out.push(...await measureRegistrations(ctx, target, inst));
  return out;
}

async function main() {
  const { settings, writeDocs } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const tmpDir = mkdtempSync(join(tmpdir(), "astral-bench-"));
  const ctx: MeasureContext = { settings, tmpDir, log };
  const measurements: Measurement[] = [];
  const summaries: TargetSummary[] = [];
  log(`${settings.quick ? "quick" : "full"} suite: ${settings.sessions} sessions, ${settings.runs} runs, temp dir ${tmpDir}`);

  for (const target of selectTargets(settings.only)) {
    const summary: TargetSummary = { id: target.id, label: target.label, notes: [] };
    summaries.push(summary);
    const reason = target.unavailable?.();
    if (reason) { log(`${target.label}: skipped, ${reason}`); summary.skipped = reason; continue; }
    log(`${target.label}: starting`);
    let inst: Instance | undefined;
    try {
      inst = await target.start({ tmpDir, settings });
      summary.notes = inst.notes;
      measurements.push(...await benchTarget(ctx, target, inst, summary));
    } catch (err) {
      summary.error = (err instanceof Error ? err.message : String(err)).split("\n")[0]!.slice(0, 300);
      log(`${target.label}: FAILED ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    } finally {
      await inst?.stop().catch((err: unknown) => log(`${target.label}: stop failed: ${String(err)}`));
    }
  }

  const report: Report = {
    machine: await machineInfo(BENCH_DIR, ROOT_DIR),
    settings,
    targets: summaries,
    measurements,
    elapsedS: (Date.now() - started) / 1000,
  };
  mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
  writeFileSync(join(BENCH_DIR, "results", "latest.json"), JSON.stringify(report, null, 1) + "\n");
  if (writeDocs) {
    mkdirSync(join(ROOT_DIR, "docs"), { recursive: true });
    writeFileSync(join(ROOT_DIR, "docs", "benchmarks.md"), renderMarkdown(report));
  }
  rmSync(tmpDir, { recursive: true, force: true });
  log(`done in ${Math.round(report.elapsedS)} s: bench/results/latest.json${writeDocs ? ", docs/benchmarks.md" : ""}`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => { killAllStarted(); process.exit(130); });
}
main().catch((err: unknown) => {
  killAllStarted();
  console.error(err);
  process.exit(1);
});
