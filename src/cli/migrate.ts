import type { Config } from '../config.js';
import { openStore } from '../store/open-store.js';

/** Applies pending migrations and names each one applied. */
export async function runMigrate(config: Config, _args: string[]): Promise<number> {
  const store = openStore(config);
  try {
    const applied = await store.migrate();
    const summary = applied.length === 0 ? 'schema is up to date' : `applied: ${applied.join('; ')}`;
    process.stdout.write(`${store.engine}: ${summary}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
