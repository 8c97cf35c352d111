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
  let file: ReturnType<typeof pino.destination> | null = null;
  if (opts.logfile) {
    mkdirSync(dirname(opts.logfile), { recursive: true });
    file = pino.destination({ dest: opts.logfile, sync: false, mkdir: true });
    streams.push({ level, stream: file });
  }
  const multi = pino.multistream(streams);
  const logger = pino({ level, base: undefined }, multi);
  // A log file that cannot be written (disk full, read-only, removed mount): without a listener
  // its write error went nowhere useful and the stream kept retrying with a growing buffer until
  // the node stopped answering (the disk-full drill, docs/operations.md "While running"). Drop
  // the file, say so once on the terminal, and go on.
  file?.on('error', (err: NodeJS.ErrnoException) => {
    if (!file) return;
    const failed = file;
    file = null;
    const entry = multi.streams.find((e) => e.stream === failed) as { id?: number } | undefined;
    if (entry?.id !== undefined) (multi as unknown as { remove(id: number): void }).remove(entry.id);
    try {
      failed.destroy();
    } catch {
      /* already broken */
    }
    logger.error(`log file ${opts.logfile}: cannot write (${err.code ?? err.message}): logging to the terminal only until the node restarts`);
  });
  const log: LogFunction = (lvl, msg, fields) => (fields ? logger[lvl](fields, msg) : logger[lvl](msg));
  return { logger, log, flush: () => logger.flush() };
}
