// The facts printed above the figures: machine, runtimes, package versions.
import { readFileSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { availableParallelism, release, totalmem } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { serverVersion } from "./postgres.ts";
import { wrkVersion } from "./wrk.ts";

export interface MachineInfo {
  date: string;
  cores: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  wrk: string;
  postgres: string;
  sqlite: string;
  redis: string;
  astral: string;
  packages: Record<string, string>;
}

const PACKAGES = ["better-auth", "@auth/core", "fastify", "better-sqlite3", "pg", "@node-rs/argon2", "@node-rs/bcrypt"];

function packageVersion(dir: string, name: string): string {
  try { return (JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")) as { version: string }).version; } catch { return "missing"; }
}

function tryExec(cmd: string, args: string[], cwd?: string): string {
  try { return execFileSync(cmd, args, { encoding: "utf8", cwd, stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { return "?"; }
}

/** The commit under test, and whether src/ holds changes it does not have. */
export function astralCommit(rootDir: string): string {
  const commit = tryExec("git", ["rev-parse", "--short", "HEAD"], rootDir);
  const dirty = tryExec("git", ["status", "--porcelain", "--", "src"], rootDir) !== "";
  return dirty ? `${commit} plus uncommitted changes in src/` : commit;
}

/** The Redis server's version, asked with redis-cli (`-u URL`, or host and port arguments). */
export function redisVersion(connection: string[] = ["-h", "127.0.0.1", "-p", "6379"]): string {
  const info = tryExec("redis-cli", [...connection, "info", "server"]);
  return /redis_version:(\S+)/.exec(info)?.[1] ?? "unavailable";
}

export async function machineInfo(benchDir: string, rootDir: string): Promise<MachineInfo> {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const memory = new Database(":memory:");
  const sqlite = (memory.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  memory.close();
  const rootPkg = JSON.parse(readFileSync(join(rootDir, "package.json"), "utf8")) as { version: string };
  let built = "not built";
  try { built = `dist built ${statSync(join(rootDir, "dist", "cli.js")).mtime.toISOString().slice(0, 16).replace("T", " ")} UTC`; } catch { /* not built */ }
  return {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    cpu,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    wrk: await wrkVersion(),
    postgres: await serverVersion(),
    sqlite,
    redis: redisVersion(),
    astral: `${rootPkg.version} (commit ${astralCommit(rootDir)}, ${built}; its fastify ${packageVersion(rootDir, "fastify")}, @node-rs/argon2 ${packageVersion(rootDir, "@node-rs/argon2")}, better-sqlite3 ${packageVersion(rootDir, "better-sqlite3")}, pg ${packageVersion(rootDir, "pg")})`,
    packages: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(benchDir, p)])),
  };
}
