/**
 * The node's log (docs/operations.md#logs): pino, JSON lines to the log file (default
 * DATADIR/NET/log), and on stdout either one readable line per event (`pretty`, coloured only
 * on a TTY) or the same JSON lines (`json`, the default when stdout is not a terminal, for
 * journald and log shippers). Layers below take a plain `(level, msg)` function, so they stay
 * free of it; the node tags each layer's lines with its subsystem (`sub`).
 *
 * Nothing secret reaches any output: every message and string field passes `scrub`, which
 * masks the secrets the node was given (RPC password, aux chain credentials, the cookie's
 * password) and anything shaped like a credential (a cookie line, HTTP Basic auth, a URL's
 * user:password).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import { formatPretty, type LogEvent } from './log-format.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFunction = (level: Level, msg: string, fields?: Record<string, unknown>) => void;
export type ConsoleFormat = 'pretty' | 'json';

/** Where terminal lines go: process.stdout, or a test's collector. */
export interface ConsoleStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface LoggerOptions {
  logfile?: string | null;
  debug?: boolean;
  /** Terminal output: a format, false for none; default pretty on a TTY, JSON otherwise. */
  console?: ConsoleFormat | false | null;
  /** Default process.stdout. */
  stream?: ConsoleStream;
  /** Strings that must never be printed. */
  secrets?: readonly string[];
}

export interface NodeLogger {
  log: LogFunction;
  /** The same, with every line tagged as coming from `subsystem`. */
  sub(subsystem: string): LogFunction;
  /** A line that stays at the bottom of a TTY and is redrawn in place (null removes it). */
  status(line: string | null): void;
  /** True when the terminal shows readable lines on a TTY (where a status line can be drawn). */
  readonly interactive: boolean;
  scrub(text: string): string;
  flush(): void;
}

const MASK = '***';
/** Shapes of credentials, whatever their source (a bitcoind echoing a header, an aux URL). */
const CREDENTIAL_PATTERNS: Array<[RegExp, string]> = [
  [/__cookie__:[^\s"',;]+/g, `__cookie__:${MASK}`],
  [/(basic\s+)[A-Za-z0-9+/]{6,}={0,2}/gi, `$1${MASK}`],
  [/(\/\/)[^\s/@:]*:[^\s/@]*@/g, `$1${MASK}@`],
];

export function makeScrubber(secrets: readonly string[]): (text: string) => string {
  // Longest first, so a secret containing another is masked whole.
  const list = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const s of list) if (out.includes(s)) out = out.split(s).join(MASK);
    for (const [re, to] of CREDENTIAL_PATTERNS) out = out.replace(re, to);
    return out;
  };
}

export function createLogger(opts: LoggerOptions): NodeLogger {
  const level = opts.debug ? 'debug' : 'info';
  const out: ConsoleStream = opts.stream ?? process.stdout;
  const tty = out.isTTY === true;
  const format = opts.console === false ? null : (opts.console ?? (tty ? 'pretty' : 'json'));
  const scrub = makeScrubber(opts.secrets ?? []);
  let statusLine: string | null = null;
  const interactive = format === 'pretty' && tty;

  const streams: pino.StreamEntry[] = [];
  if (format === 'json') {
    streams.push({ level, stream: out === process.stdout ? pino.destination({ fd: 1, sync: true }) : { write: (s: string) => out.write(s) } });
  } else if (format === 'pretty') {
    streams.push({
      level,
      stream: {
        write: (s: string) => {
          let line: string;
          try {
            line = formatPretty(JSON.parse(s) as LogEvent, tty);
          } catch {
            line = s.trimEnd();
          }
          // Clear the status line, print the event, draw the status line again under it.
          out.write(interactive && statusLine !== null ? `\r\x1b[K${line}\n${statusLine}` : `${line}\n`);
        },
      },
    });
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

  const clean = (fields: Record<string, unknown>): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) o[k] = typeof v === 'string' ? scrub(v) : v;
    return o;
  };
  const log: LogFunction = (lvl, msg, fields) => (fields ? logger[lvl](clean(fields), scrub(msg)) : logger[lvl](scrub(msg)));
  return {
    log,
    sub: (subsystem) => (lvl, msg, fields) => log(lvl, msg, { sub: subsystem, ...fields }),
    status: (line) => {
      if (!interactive) return;
      const next = line === null ? null : scrub(line);
      if (next === statusLine) return;
      out.write(next === null ? '\r\x1b[K' : `\r\x1b[K${next}`);
      statusLine = next;
    },
    interactive,
    scrub,
    flush: () => {
      if (interactive && statusLine !== null) {
        out.write('\r\x1b[K');
        statusLine = null;
      }
      logger.flush();
    },
  };
}
