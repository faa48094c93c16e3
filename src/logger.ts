import pino, { type Logger } from 'pino';

/** Paths whose values are secrets; pino replaces them before a line is written. */
export const REDACTED_PATHS = [
  'token',
  'accessToken',
  'access_token',
  'clientSecret',
  'client_secret',
  'apiKey',
  'authorization',
  'encryptionKey',
  'previousEncryptionKeys',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.clientSecret',
  '*.client_secret',
  '*.apiKey',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'req.headers.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'intercom-crm-sync' } },
    destination,
  );
}

export type { Logger };
