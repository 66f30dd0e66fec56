import pino, { Logger } from 'pino';

/*
 * Paths that may carry a national identity number (FNR/D-number) or a secret. They are censored
 * in every log line: the FNR must never reach a log, and a log pipeline is no place for tokens.
 */
export const REDACTED_PATHS = [
  'patient.identifier.value',
  '*.patient.identifier.value',
  'identifier.value',
  'fnr',
  '*.fnr',
  'req.headers.authorization',
  'headers.authorization',
  'password',
  '*.password',
];

export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
