/**
 * Newline framing for Stratum v1 (one JSON object per line) with a hard cap on line length,
 * so a miner that never sends '\n' cannot make the node buffer without limit.
 */

/** Longest accepted line. Real requests are < 1 KiB; mining.submit is ~200 bytes. */
export const MAX_LINE_BYTES = 16 * 1024;

export class LineTooLong extends Error {
  override readonly name = 'LineTooLong';
  constructor(readonly length: number) {
    super(`line of ${length}+ bytes exceeds the ${MAX_LINE_BYTES}-byte limit`);
  }
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLine = MAX_LINE_BYTES) {}

  /**
   * Feed buffer[0..end); returns the complete lines it finished (without '\n' or a trailing '\r',
   * empty lines skipped). Throws LineTooLong once an unterminated line passes the cap. Nothing of
   * `buffer` is kept past the call (an unfinished line is copied): the caller may reuse it (a
   * socket reading into a shared buffer, socket-reads.ts).
   */
  push(buffer: Buffer, end = buffer.length): string[] {
    // The search for '\n' must not run on past `end` (through a shared buffer's older bytes).
    const chunk = end === buffer.length ? buffer : buffer.subarray(0, end);
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      if (this.pendingBytes > 0) {
        // The line began in an earlier chunk: joined once, then read like any other.
        this.pending.push(chunk.subarray(start, nl));
        const line = Buffer.concat(this.pending, this.pendingBytes + nl - start);
        this.pending = [];
        this.pendingBytes = 0;
        this.take(line, 0, line.length, lines);
      } else {
        // The usual case, a whole line inside the chunk: decoded in place, with no Buffer view
        // made for it (one object less per line: ~150 -> ~95 ns a submit line, 2026-12-07).
        this.take(chunk, start, nl, lines);
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLine) throw new LineTooLong(this.pendingBytes);
      this.pending.push(Buffer.from(rest));
    }
    return lines;
  }

  /** The line buf[start..end) (without its '\n') into `lines`: its '\r' cut, skipped if empty. */
  private take(buf: Buffer, start: number, end: number, lines: string[]): void {
    if (end - start > this.maxLine) throw new LineTooLong(end - start);
    if (end > start && buf[end - 1] === 0x0d) end--;
    if (end > start) lines.push(buf.toString('utf8', start, end));
  }
}
