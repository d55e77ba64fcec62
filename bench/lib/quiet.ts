// This machine is shared (builds and test suites of other work may run on it),
// so before every measured run the harness checks that the cores are idle
// and waits, bounded, until they are. The busy share seen is kept with the run.
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

function cpuTimes(): { idle: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!; // "cpu  user nice system idle iowait irq softirq steal ..."
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + (fields[4] ?? 0);
  return { idle, total: fields.reduce((a, b) => a + b, 0) };
}

/** CPU ticks (user + system, all threads) a process has used; 0 once it is gone. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from "state" (3rd) on
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch { return 0; }
}

/** Share of all cores busy over `ms` milliseconds (0..1), not counting the processes in `ownPids`. */
export async function busyShare(ms = 700, ownPids: number[] = []): Promise<number> {
  const a = cpuTimes();
  const ownA = ownPids.reduce((sum, pid) => sum + processTicks(pid), 0);
  await sleep(ms);
  const b = cpuTimes();
  const ownB = ownPids.reduce((sum, pid) => sum + processTicks(pid), 0);
  const total = b.total - a.total;
  const busy = total - (b.idle - a.idle) - (ownB - ownA);
  return total > 0 ? Math.max(0, busy / total) : 0;
}

export const QUIET_THRESHOLD = 0.15;

/** Waits until the machine is quiet apart from `ownPids` (at most maxWaitS); returns the last busy share seen. */
export async function awaitQuiet(maxWaitS: number, log: (msg: string) => void, ownPids: number[] = []): Promise<number> {
  const deadline = Date.now() + maxWaitS * 1000;
  let busy = await busyShare(700, ownPids);
  let warned = false;
  while (busy > QUIET_THRESHOLD && Date.now() < deadline) {
    if (!warned) { log(`  machine busy (${Math.round(busy * 100)}% of cores in use by others), waiting up to ${maxWaitS} s`); warned = true; }
    busy = await busyShare(2000, ownPids);
  }
  if (busy > QUIET_THRESHOLD) log(`  still busy (${Math.round(busy * 100)}%), measuring anyway; the run is marked noisy`);
  return busy;
}
