/**
 * Handing found blocks to the full node (docs/bitcoind.md#templates-and-blocks, docs/mining.md#found-blocks):
 * - `submitBlock`: announced over the P2P link (an `inv`, the block on the node's `getdata`)
 *   and `submitblock` over RPC, as the reference does both; RPC only when asked
 *   (a block our own check found over a limit: handing the node an invalid block over P2P
 *   would get the connection dropped);
 * - `inBestChain`: whether the node's best chain has the block at its height (`getblockhash`),
 *   which tells an accepted block from one that lost a same-height race;
 * - `saveBadBlock`: a block that failed the limits check, written with its report to
 *   `DATADIR/<net>/bad-blocks/` for a bug report (at most MAX_BAD_BLOCKS files are kept).
 */
import { mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bitcoind } from './bitcoind.js';
import type { BitcoindP2p } from './bitcoind-p2p.js';

/** Reports kept in the bad-blocks folder; the oldest go first (each block is up to ~8 MB of hex). */
export const MAX_BAD_BLOCKS = 20;

export interface ChainBlockSubmitterOptions {
  bitcoind: Pick<Bitcoind, 'submitBlock' | 'getBlockHash'>;
  p2p?: Pick<BitcoindP2p, 'announceBlock'>;
  /** Folder for blocks that failed the limits check (created when first needed). */
  badBlockDir: string;
}

export class ChainBlockSubmitter {
  constructor(private readonly opts: ChainBlockSubmitterOptions) {}

  async submitBlock(block: Buffer, opts: { announce?: boolean } = {}): Promise<string | null> {
    if (opts.announce !== false) this.opts.p2p?.announceBlock(block);
    try {
      return await this.opts.bitcoind.submitBlock(block);
    } catch (e) {
      // The P2P client keeps announced blocks and offers them again after a reconnect.
      const again = opts.announce !== false && this.opts.p2p ? '; offered to bitcoind again over P2P when it reconnects' : '';
      throw new Error(`${e instanceof Error ? e.message : String(e)}${again}`);
    }
  }

  async inBestChain(hash: Buffer, height: number): Promise<boolean | null> {
    const atHeight = await this.opts.bitcoind.getBlockHash(height);
    return atHeight === null ? false : atHeight.equals(hash);
  }

  /** Write `<hash>.hex` (the block) and `<hash>.json` (the report); returns the folder. */
  saveBadBlock(hash: string, block: Buffer, report: Record<string, unknown>): string {
    const dir = this.opts.badBlockDir;
    mkdirSync(dir, { recursive: true });
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a block hash: ${hash.slice(0, 80)}`);
    this.prune(dir);
    writeFileSync(join(dir, `${hash}.hex`), block.toString('hex') + '\n');
    writeFileSync(join(dir, `${hash}.json`), JSON.stringify({ savedAt: new Date().toISOString(), ...report }, null, 2) + '\n');
    return dir;
  }

  /** Keep room for one more report: delete the oldest beyond MAX_BAD_BLOCKS - 1. */
  private prune(dir: string): void {
    const reports = readdirSync(dir).filter((f) => /^[0-9a-f]{64}\.json$/.test(f))
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => a.t - b.t);
    for (const { f } of reports.slice(0, Math.max(0, reports.length - (MAX_BAD_BLOCKS - 1)))) {
      const base = f.slice(0, -'.json'.length);
      for (const ext of ['.json', '.hex']) {
        try {
          unlinkSync(join(dir, base + ext));
        } catch {
          // already gone
        }
      }
    }
  }
}
