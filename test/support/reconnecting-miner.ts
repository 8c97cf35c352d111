/**
 * A CPU miner that behaves like real mining software when its pool goes away: when the
 * connection drops it retries every `retryMs` until the pool answers again, logs in again and
 * goes on mining, with no one telling it to. Every submit it ever sent (and the answers) is kept
 * across connections, for tests that count what the pool acknowledged.
 */
import { StratumTestMiner, type MinerOptions, type SubmitResult } from './stratum-miner.js';

export class ReconnectingMiner {
  private current: StratumTestMiner | null = null;
  private stopped = false;
  private paused = false;
  /** Submits answered, over every connection. */
  readonly submits: SubmitResult[] = [];
  /** Hashes of every header submitted, answered or not, over every connection. */
  readonly sent: string[] = [];
  /** Times (ms) at which a connection was made and logged in (the first is the start). */
  readonly logins: number[] = [];
  /** Called after each accepted submit; return a pause in ms (paces the miner like the demo). */
  onAccepted: (s: SubmitResult) => number = () => 0;

  constructor(private readonly opts: MinerOptions & { retryMs?: number }) {}

  get connected(): boolean {
    return this.current !== null;
  }

  /** Connect (retrying until the pool answers) and mine. */
  start(): void {
    void this.connectLoop();
  }

  private async connectLoop(): Promise<void> {
    while (!this.stopped) {
      const m = new StratumTestMiner(this.opts);
      try {
        await m.connect();
        const auth = await Promise.race([m.login(), new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
        if (!auth || auth.result !== true) throw new Error(`login failed: ${JSON.stringify(auth?.error ?? 'timeout')}`);
      } catch {
        m.close();
        await new Promise((r) => setTimeout(r, this.opts.retryMs ?? 250));
        continue;
      }
      if (this.stopped) {
        m.close();
        return;
      }
      this.current = m;
      this.logins.push(Date.now());
      m.on('submit', (s: SubmitResult) => {
        this.submits.push(s);
        if (s.result === true) {
          const pause = this.onAccepted(s);
          if (pause > 0 && !this.paused) {
            m.stop();
            setTimeout(() => {
              if (!this.stopped && !this.paused && this.current === m) m.start();
            }, pause);
          }
        }
      });
      const origPush = m.sent.push.bind(m.sent);
      m.sent.push = (...h: string[]) => {
        this.sent.push(...h);
        return origPush(...h);
      };
      await new Promise<void>((resolve) => {
        m.once('close', () => resolve());
        if (!this.paused) m.start();
      });
      this.current = null;
      if (!this.stopped) await new Promise((r) => setTimeout(r, this.opts.retryMs ?? 250));
    }
  }

  /** Stop hashing (keep the connection). */
  pause(): void {
    this.paused = true;
    this.current?.stop();
  }

  resume(): void {
    this.paused = false;
    this.current?.start();
  }

  close(): void {
    this.stopped = true;
    this.current?.close();
  }
}
