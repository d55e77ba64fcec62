import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { createLogger, prettyDestination } from '../observability/logger.js';

const DRAIN_TIMEOUT_MS = 10_000;

/** Serves until SIGTERM or SIGINT, then drains in-flight requests and flushes queued writes. */
export async function runServe(config: Config, _args: string[]): Promise<number> {
  const logger = createLogger(config.logLevel, config.logPretty ? await prettyDestination() : undefined);
  const app = await createApp({ config, logger });
  const address = await app.server.listen({ host: config.host, port: config.port });
  logger.info({ address, engine: app.core.store.engine }, 'astral-auth listening');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info({ signal }, 'shutting down');
  const forced = setTimeout(() => {
    logger.error('drain timed out; exiting');
    process.exit(1);
  }, DRAIN_TIMEOUT_MS);
  forced.unref();
  await app.close();
  logger.info('stopped');
  return 0;
}
