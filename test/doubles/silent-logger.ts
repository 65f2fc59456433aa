import { pino } from 'pino';

/** A logger that drops everything, for tests and benchmarks that want silence. */
export const silentLogger = pino({ level: 'silent' });
