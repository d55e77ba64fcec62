import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from '../config.js';

const KEY_FILE = 'secret.key';

/**
 * The key that seals secrets at rest. Production (PostgreSQL) takes it from
 * ASTRAL_SECRET_KEY, so that every instance shares it and it never sits beside
 * the data; the embedded default creates one in the data folder on first
 * start, readable by its owner only.
 */
export function resolveSecretKey(config: Config): Buffer {
  if (config.secretKey) return config.secretKey;
  if (config.databaseUrl) {
    throw new ConfigError('ASTRAL_SECRET_KEY', 'base64 of 32 bytes; it is required with DATABASE_URL');
  }

  return readOrCreateKeyFile(path.join(config.dataDir, KEY_FILE));
}

function readOrCreateKeyFile(file: string): Buffer {
  try {
    return decodeKeyFile(readFileSync(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }

  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx' fails if another process created the file first; then read theirs.
  try {
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    return decodeKeyFile(readFileSync(file, 'utf8'), file);
  }
}

function decodeKeyFile(text: string, file: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new ConfigError('ASTRAL_SECRET_KEY', `32 bytes of base64 in ${path.basename(file)}`);
  return key;
}
