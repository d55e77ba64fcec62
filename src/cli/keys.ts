import { createCore } from '../app.js';
import type { Config } from '../config.js';
import { createLogger } from '../observability/logger.js';
import { UsageError } from './usage-error.js';

/** Tokens are checked with up to 30 s of clock skew; the old key outlives them by a minute. */
const GRACE_BEYOND_TTL_MS = 60_000;

export async function runKeys(config: Config, args: string[]): Promise<number> {
  if (args[0] !== 'rotate') throw new UsageError('usage: astral-auth keys rotate');

  const core = await createCore({ config, logger: createLogger('warn') });
  try {
    const graceMs = config.jwt.ttlMs + GRACE_BEYOND_TTL_MS;
    const rotation = { activationDelayMs: config.jwt.activationDelayMs, graceMs };
    const { kid, activatesAt } = await core.keyRing.rotate(config.jwt.alg, core.clock.now(), rotation);
    const [signsFrom, retire] = [activatesAt, activatesAt + graceMs].map((ms) => new Date(ms).toISOString());
    process.stdout.write(
      `new signing key ${kid} (${config.jwt.alg}) published; it signs from ${signsFrom}; ` +
        `previous keys stay published until ${retire}\n`,
    );
    return 0;
  } finally {
    await core.close();
  }
}
