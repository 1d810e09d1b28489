import { pino } from 'pino';

export type Logger = pino.Logger;

/** The one root logger; components take `log.child({ component })`. Secrets are redacted by key. */
export function createLogger(level = process.env.HUB_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret'],
      censor: '[redacted]',
    },
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
