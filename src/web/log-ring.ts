/**
 * The node's recent log lines, kept in memory for the dashboard (`/web/log_lines`; the
 * reference's `/web/log` is the stat log, see stats-sampler.ts). A fixed-size ring: the node
 * pushes every line, the oldest fall out, and a line is cut to MAX_MESSAGE_LENGTH, so memory
 * stays bounded however chatty the node or its peers make it.
 */
export interface LogEntry {
  /** ms since epoch. */
  time: number;
  level: string;
  msg: string;
}

/** Longer lines are cut (a log line can quote what a peer or miner sent). */
export const MAX_MESSAGE_LENGTH = 2000;

export class LogRing {
  private readonly ring: LogEntry[] = [];
  private next = 0;

  constructor(
    readonly capacity = 1000,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('log ring capacity must be a positive integer');
  }

  push(level: string, msg: string): void {
    const entry: LogEntry = { time: this.now(), level: level.slice(0, 16), msg: msg.length > MAX_MESSAGE_LENGTH ? `${msg.slice(0, MAX_MESSAGE_LENGTH)}…` : msg };
    if (this.ring.length < this.capacity) this.ring.push(entry);
    else this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The kept lines, oldest first. */
  entries(): LogEntry[] {
    if (this.ring.length < this.capacity) return [...this.ring];
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
