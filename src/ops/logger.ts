// Structured JSON logs (pino). Every request gets a child logger carrying its request id.
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { service: 'hygiene-gateway' } });
}
