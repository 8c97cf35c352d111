/**
 * Keeps the current block template and says when the work changed (docs/bitcoind.md; the reference's work_poller).
 *
 * Refreshes: on every block the node announces over P2P (call `onNewBlock`, or pass the P2P
 * client), on a long-poll return (BIP22, when the node offers a longpollid), and by polling
 * every 15 s. A 'template' event is emitted only when the work changed materially:
 *   - a new previous block, new bits or a new version (the old work is worthless or wrong), or
 *   - the fees changed by more than FEE_CHANGE_FRACTION of the coinbase value, or transactions
 *     appeared where there were none (the reference's rule). Smaller fee changes wait: a new
 *     job costs every miner a round trip, and missing 0.1% of a reward until the next block or
 *     bigger change is cheaper than that churn.
 * When bitcoind cannot be reached (or returns bad templates) the source marks itself stale,
 * logs it once and emits 'stale' (work built on it must not be handed out as valid); it keeps
 * retrying and, when a template arrives again, logs that once and emits 'template'.
 */
import { EventEmitter } from 'node:events';
import { hashToDisplayHex } from '../bitcoin/hex.js';
import type { BlockTemplate } from './block-template.js';
import type { Bitcoind } from './bitcoind.js';
import { RpcError } from './errors.js';
import { silentLog, type LogFn } from './log.js';

/** Reference work_poller: at least every 15 s. */
export const POLL_INTERVAL_MS = 15_000;
/** While stale, try again this often so work resumes soon after bitcoind returns. */
export const STALE_RETRY_MS = 2_000;
/** Fee change (relative to coinbasevalue) that makes new work: 0.1% of the block reward. */
export const FEE_CHANGE_FRACTION = 0.001;
/** Long polls return at the latest when Core's own timeout fires; give it generous room. */
const LONG_POLL_TIMEOUT_MS = 10 * 60_000;

export type TemplateChange = 'first' | 'new-block' | 'bits' | 'version' | 'fees' | 'resumed';

export interface TemplateSourceEvents {
  template: [template: BlockTemplate, change: TemplateChange];
  stale: [error: Error];
}

/** The part of Bitcoind this needs (tests give a fake). */
export type TemplateFetcher = Pick<Bitcoind, 'getBlockTemplate'>;

export interface TemplateSourceOptions {
  bitcoind: TemplateFetcher;
  /** Something that emits 'block' on a new block (BitcoindP2p). */
  blockNotifier?: { on(event: 'block', listener: (hash: Buffer) => void): unknown; off(event: 'block', listener: (hash: Buffer) => void): unknown };
  log?: LogFn;
  pollIntervalMs?: number;
  staleRetryMs?: number;
  /** Use BIP22 long polling when the node offers it (default true). */
  longPoll?: boolean;
}

/** Why `next` is new work compared with `prev`, or null if it is not materially different. */
export function materialChange(prev: BlockTemplate, next: BlockTemplate): TemplateChange | null {
  if (!prev.previousBlockHash.equals(next.previousBlockHash)) return 'new-block';
  if (prev.bits !== next.bits) return 'bits';
  if (prev.version !== next.version) return 'version';
  if (prev.transactions.length === 0 && next.transactions.length > 0) return 'fees';
  if (Math.abs(next.totalFees - prev.totalFees) > prev.coinbaseValue * FEE_CHANGE_FRACTION) return 'fees';
  return null;
}

export class TemplateSource extends EventEmitter<TemplateSourceEvents> {
  private _current: BlockTemplate | null = null;
  private _stale = false;
  private running = false;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private longPollId: string | null = null;
  private longPolling = false;
  private readonly log: LogFn;
  private readonly pollIntervalMs: number;
  private readonly staleRetryMs: number;
  private readonly onBlock = (): void => {
    void this.refresh();
  };

  constructor(private readonly opts: TemplateSourceOptions) {
    super();
    this.log = opts.log ?? silentLog;
    this.pollIntervalMs = opts.pollIntervalMs ?? POLL_INTERVAL_MS;
    this.staleRetryMs = opts.staleRetryMs ?? STALE_RETRY_MS;
  }

  /** The last template that was emitted (the work miners have), or null before the first. */
  get current(): BlockTemplate | null {
    return this._current;
  }

  /** True while bitcoind is unreachable or answers with unusable templates. */
  get stale(): boolean {
    return this._stale;
  }

  /** Fetch the first template and start refreshing. Resolves after the first attempt. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.opts.blockNotifier?.on('block', this.onBlock);
    await this.refresh();
  }

  stop(): void {
    this.running = false;
    this.opts.blockNotifier?.off('block', this.onBlock);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Notify of a new block by other means (e.g. our own block was accepted). */
  onNewBlock(): Promise<void> {
    return this.refresh();
  }

  /** Fetch now; concurrent calls share one fetch, and a call during a fetch causes one more. */
  refresh(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      do {
        this.again = false;
        await this.fetchOnce();
      } while (this.again && this.running);
    })().finally(() => {
      this.inFlight = null;
      this.schedule();
    });
    return this.inFlight;
  }

  private async fetchOnce(): Promise<void> {
    let template: BlockTemplate;
    try {
      template = await this.opts.bitcoind.getBlockTemplate();
    } catch (e) {
      this.markStale(e as Error);
      return;
    }
    this.accept(template);
  }

  private accept(template: BlockTemplate): void {
    if (!this.running) return;
    const prev = this._current;
    let change: TemplateChange | null;
    if (this._stale) {
      this._stale = false;
      this.log('info', `bitcoind is answering again: template for height ${template.height} on ${hashToDisplayHex(template.previousBlockHash)}`);
      change = 'resumed';
    } else {
      change = prev === null ? 'first' : materialChange(prev, template);
    }
    if (template.longPollId !== null && template.longPollId !== this.longPollId) {
      this.longPollId = template.longPollId;
      this.startLongPoll();
    }
    if (change === null) return;
    this._current = template;
    this.emit('template', template, change);
  }

  private markStale(e: Error): void {
    if (!this.running) return;
    if (this._stale) return;
    this._stale = true;
    const hint = e instanceof RpcError && (e.isInitialDownload || e.isWarmingUp) ? ' (waiting for it)' : '';
    this.log('warn', `no block template from bitcoind${hint}: ${e.message}; miners get no new work until it answers`);
    this.emit('stale', e);
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, this._stale ? this.staleRetryMs : this.pollIntervalMs);
  }

  /**
   * BIP22 long polling: one request at a time, held by the node until the template changes
   * (Core: new block, or new transactions after a minute). Its answer goes through the same
   * change test as any poll. Stops on error; polling and P2P still cover refreshes.
   */
  private startLongPoll(): void {
    if (this.opts.longPoll === false || this.longPolling) return;
    this.longPolling = true;
    void (async () => {
      try {
        while (this.running && this.longPollId !== null && !this._stale) {
          const id = this.longPollId;
          const template = await this.opts.bitcoind.getBlockTemplate({ longPollId: id, timeoutMs: LONG_POLL_TIMEOUT_MS });
          if (!this.running) break;
          if (this.inFlight === null) this.accept(template);
          if (template.longPollId === id) break; // the node returned without a change: do not spin
        }
      } catch (e) {
        // Forget the id so the next template (e.g. when bitcoind answers again after an outage,
        // often with the same tip and so the same id) starts a new long poll.
        this.longPollId = null;
        this.log('debug', `long poll ended: ${(e as Error).message}`);
      } finally {
        this.longPolling = false;
      }
    })();
  }
}
