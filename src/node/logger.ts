/**
 * The node's log: pino, JSON lines to `--logfile` (default DATADIR/NET/log), and readable lines
 * on the terminal. Layers below take a plain `(level, msg)` function, so they stay free of it.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFunction = (level: Level, msg: string, fields?: Record<string, unknown>) => void;

export interface LoggerOptions {
  logfile?: string | null;
  debug?: boolean;
  /** Also print to stderr (pretty on a TTY, JSON otherwise). Default true. */
  console?: boolean;
}

export function createLogger(opts: LoggerOptions): { logger: Logger; log: LogFunction; flush(): void } {
  const level = opts.debug ? 'debug' : 'info';
  const streams: pino.StreamEntry[] = [];
  if (opts.console !== false) {
    const stream = process.stderr.isTTY
      ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true, destination: 2 })
      : pino.destination({ fd: 2, sync: true });
    streams.push({ level, stream });
  }
  if (opts.logfile) {
    mkdirSync(dirname(opts.logfile), { recursive: true });
    streams.push({ level, stream: pino.destination({ dest: opts.logfile, sync: false, mkdir: true }) });
  }
  const logger = pino({ level, base: undefined }, pino.multistream(streams));
  const log: LogFunction = (lvl, msg, fields) => (fields ? logger[lvl](fields, msg) : logger[lvl](msg));
  return { logger, log, flush: () => logger.flush() };
}
