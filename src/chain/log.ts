/**
 * The logging hook the chain layer accepts. The node's composition root injects the real
 * logger (pino, later); the chain layer never imports one, so tests pass a recorder or nothing.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

/** The default hook: drop everything. */
export const silentLog: LogFn = () => undefined;
