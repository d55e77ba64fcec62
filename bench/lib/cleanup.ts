// Things to undo even when the suite is interrupted (Ctrl-C, SIGTERM, crash):
// databases it created, Redis keys under its prefixes. Processes are handled
// by processes.ts (killed by pid).
const tasks = new Set<() => Promise<unknown>>();

/** Registers an undo step; returns a function that runs it once and unregisters it. */
export function onCleanup(task: () => Promise<unknown>): () => Promise<void> {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    tasks.delete(once);
    await task();
  };
  tasks.add(once);
  return once;
}

/** Runs every pending undo step, giving up after `timeoutMs`. */
export async function runCleanups(timeoutMs = 15_000): Promise<void> {
  const all = Promise.allSettled([...tasks].map((t) => t()));
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}
