// Starting, pinning and stopping the processes under test. Every process is
// started here, remembered by pid, and stopped by that pid only.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { openSync, closeSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

const running = new Set<Proc>();

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `command args` with output to logFile, optionally pinned to `cpus` (taskset list, e.g. "0"). */
export function startProcess(opts: {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  cpus?: string;
}): Proc {
  const fd = openSync(opts.logFile, "a");
  const [cmd, args] = opts.cpus
    ? ["taskset", ["-c", opts.cpus, opts.command, ...opts.args]]
    : [opts.command, opts.args];
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${opts.name}`);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const proc: Proc = { name: opts.name, pid: child.pid, child, logFile: opts.logFile, exited };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Moves every thread of a process we started onto `cpus` (threads created later inherit it). */
export function setAffinity(proc: Proc, cpus: string): void {
  execFileSync("taskset", ["-a", "-p", "-c", cpus, String(proc.pid)], { stdio: "ignore" });
}

/** Polls `url` until it answers with any HTTP status, or fails with the log tail. */
export async function waitForHttp(proc: Proc, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void proc.exited.then((code) => { exitCode = code; });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) break;
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch { await sleep(100); }
  }
  throw new Error(`${proc.name} did not answer at ${url} (${exitCode !== undefined ? `exited ${exitCode}` : "timeout"})\n${logTail(proc)}`);
}

export function logTail(proc: Proc, lines = 20): string {
  try { return readFileSync(proc.logFile, "utf8").split("\n").slice(-lines).join("\n"); } catch { return ""; }
}

/** SIGTERM by pid, then SIGKILL by pid if it has not exited within 5 s. */
export async function stopProcess(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  process.kill(proc.pid, "SIGTERM");
  const done = await Promise.race([proc.exited.then(() => true), sleep(5000).then(() => false)]);
  if (!done) {
    process.kill(proc.pid, "SIGKILL");
    await proc.exited;
  }
}

/** Last-resort cleanup on Ctrl-C or a crash of the runner: only our own pids. */
export function killAllStarted(): void {
  for (const proc of running) {
    try { process.kill(proc.pid, "SIGKILL"); } catch { /* already gone */ }
  }
}
