import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import type { Logger } from 'pino';

const RESTART_DELAY_MS = 1_000;

/**
 * The supervising process of ASTRAL_WORKERS: forks the workers, which share
 * the listening port (node:cluster hands connections round-robin), restarts
 * one that dies, and on SIGTERM or SIGINT has every worker drain and exit.
 * The first worker starts alone, so migrations and first-start keys are made
 * once; the others start when it listens.
 */
export async function runPrimary(count: number, drainTimeoutMs: number, logger: Logger): Promise<number> {
  let stopping = false;
  const first = cluster.fork();
  const started = await Promise.race([
    once(first, 'listening').then(() => true),
    once(first, 'exit').then(() => false),
  ]);
  if (!started) {
    logger.error('the first worker exited before listening; see its error above');
    return 1;
  }
  for (let i = 1; i < count; i++) cluster.fork();
  logger.info({ workers: count, pid: process.pid }, 'astral-auth workers started');

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ worker: worker.id, code, signal }, 'worker exited; starting another');
    setTimeout(() => {
      if (!stopping) cluster.fork();
    }, RESTART_DELAY_MS).unref();
  });

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.on('SIGTERM', resolve);
    process.on('SIGINT', resolve);
  });
  stopping = true;
  logger.info({ signal }, 'stopping workers');
  const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
  const exits = workers.map((worker) => exitCode(worker));
  for (const worker of workers) worker.process.kill('SIGTERM');
  const forced = setTimeout(() => {
    for (const worker of workers) worker.process.kill('SIGKILL');
  }, drainTimeoutMs + RESTART_DELAY_MS);
  const codes = await Promise.all(exits);
  clearTimeout(forced);
  logger.info('stopped');
  return codes.every((code) => code === 0) ? 0 : 1;
}

function exitCode(worker: Worker): Promise<number | null> {
  if (worker.isDead()) return Promise.resolve(worker.process.exitCode);
  return once(worker, 'exit').then(([code]) => code as number | null);
}
