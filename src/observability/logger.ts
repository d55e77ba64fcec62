import pino, { type Logger } from 'pino';

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
