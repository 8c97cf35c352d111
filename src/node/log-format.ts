/**
 * How a log event looks on a terminal: one line, local time, level, subsystem, message, then
 * any other fields as key=value (docs/operations.md#logs). Colour only when asked (the caller
 * asks only for a TTY). Pure: the event and the clock's reading come in.
 */

/** pino's numeric levels. */
const LEVELS: Record<number, { name: string; colour: string }> = {
  10: { name: 'TRACE', colour: '\x1b[90m' },
  20: { name: 'DEBUG', colour: '\x1b[90m' },
  30: { name: 'INFO ', colour: '\x1b[32m' },
  40: { name: 'WARN ', colour: '\x1b[33m' },
  50: { name: 'ERROR', colour: '\x1b[31m' },
  60: { name: 'FATAL', colour: '\x1b[41m' },
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const BOLD = '\x1b[1m';
/** Subsystem names are short (p2p, bitcoind, stratum, ...): a fixed column keeps messages aligned. */
const SUB_WIDTH = 8;

export interface LogEvent {
  level: number;
  time: number;
  msg?: string;
  sub?: string;
  [field: string]: unknown;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** HH:MM:SS.mmm in the machine's time zone. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function fieldText(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? String(v);
}

/** One readable line (without the newline) for a pino JSON event. */
export function formatPretty(e: LogEvent, colour: boolean): string {
  const lvl = LEVELS[e.level] ?? { name: String(e.level).padEnd(5), colour: '' };
  const sub = (typeof e.sub === 'string' ? e.sub : 'node').slice(0, SUB_WIDTH).padEnd(SUB_WIDTH);
  const msg = typeof e.msg === 'string' ? e.msg.replace(/\s*\n\s*/g, ' ') : '';
  const extra = Object.entries(e)
    .filter(([k]) => k !== 'level' && k !== 'time' && k !== 'msg' && k !== 'sub' && k !== 'pid' && k !== 'hostname')
    .map(([k, v]) => `${k}=${fieldText(v)}`)
    .join(' ');
  const time = localTime(e.time);
  const body = extra ? `${msg} ${extra}` : msg;
  if (!colour) return `${time} ${lvl.name} ${sub} ${body}`;
  const strong = e.level >= 40 ? BOLD : '';
  return `${DIM}${time}${RESET} ${lvl.colour}${lvl.name}${RESET} ${DIM}${sub}${RESET} ${strong}${body}${strong ? RESET : ''}`;
}
