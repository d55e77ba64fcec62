import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';

/** loadConfig must refuse `env`, with a ConfigError naming `setting`. */
export function refuses(env: Record<string, string>, setting: string): void {
  assert.throws(() => loadConfig(env), (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.ok(error.message.startsWith(`invalid setting ${setting}: expected `), error.message);
    return true;
  });
}
