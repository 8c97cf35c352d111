/**
 * The node's recent log lines, kept in memory for `/web/log` and the dashboard.
 * STUB: being implemented (issue 6).
 */
export interface LogEntry {
  time: number;
  level: string;
  msg: string;
}

export class LogRing {
  constructor(readonly capacity = 1000) {}
  push(_level: string, _msg: string): void {}
  entries(): LogEntry[] {
    return [];
  }
}
