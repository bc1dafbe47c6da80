// One pino logger per process; level from DC_LOG_LEVEL.
import { pino, type Logger } from 'pino';

export function createLogger(name: string, defaultLevel = 'info'): Logger {
  return pino({ name, level: process.env.DC_LOG_LEVEL ?? defaultLevel });
}
