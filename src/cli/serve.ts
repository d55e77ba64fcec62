import cluster from 'node:cluster';
import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { createLogger, prettyDestination } from '../observability/logger.js';
import { runPrimary } from './workers.js';

const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Serves until SIGTERM or SIGINT, then drains in-flight requests and flushes
 * queued writes. With ASTRAL_WORKERS above 1 this process only supervises,
 * and each worker it forks comes back here to serve.
 */
export async function runServe(config: Config, _args: string[]): Promise<number> {
  const root = createLogger(config.logLevel, config.logPretty ? await prettyDestination() : undefined);
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config.workers, DRAIN_TIMEOUT_MS, root);
  const logger = cluster.worker ? root.child({ worker: cluster.worker.id }) : root;

  const app = await createApp({ config, logger });
  const address = await app.server.listen({ host: config.host, port: config.port });
  logger.info({ address, engine: app.core.store.engine }, 'astral-auth listening');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    // A worker hears Ctrl-C from the terminal and SIGTERM from its primary:
    // the second must not cut its drain short.
    const listen = cluster.isWorker ? process.on.bind(process) : process.once.bind(process);
    listen('SIGTERM', resolve);
    listen('SIGINT', resolve);
  });
  logger.info({ signal }, 'shutting down');
  const forced = setTimeout(() => {
    logger.error('drain timed out; exiting');
    process.exit(1);
  }, DRAIN_TIMEOUT_MS);
  forced.unref();
  await app.close();
  logger.info('stopped');
  // The channel to the primary would keep a worker alive.
  cluster.worker?.disconnect();
  return 0;
}
