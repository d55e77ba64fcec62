import pino, { type Logger } from 'pino';
import { ConfigError } from '../config.js';

/**
 * The one structured logger. Code passes fields, never credentials; the
 * redaction list is a second line of defence for anything that slips through.
 */
const REDACT = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'sessionToken',
  'accessToken',
  'email',
  'hashedPassword',
  '*.password',
  '*.token',
  '*.email',
  '*.hashedPassword',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'astral-auth' },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Coloured, one-event-per-line output for a developer's terminal
 * (ASTRAL_LOG_PRETTY=true). pino-pretty is a development dependency: an
 * install without it says so at start instead of logging nothing.
 */
export async function prettyDestination(): Promise<pino.DestinationStream> {
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError('ASTRAL_LOG_PRETTY', 'false, or pino-pretty installed (npm install --include=dev)');
  }
}
