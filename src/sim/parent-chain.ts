/**
 * The simulated parent chain (Bitcoin) under the pool (docs/simulate.md#parent-chain): the
 * rest of the network finds blocks as a Poisson process (its share of the hash rate at the
 * scenario's difficulty), the pool's own blocks come from its shares, and each node mines on a
 * block template that follows the tip after the node's template delay. A pool block counts
 * only if it builds on the tip at the moment it is submitted (otherwise Bitcoin orphans it).
 */
import type { BlockTemplate } from '../chain/block-template.js';
import { sha256d } from '../bitcoin/hash.js';
import { hashToDisplayHex } from '../bitcoin/hex.js';
import { difficultyToTarget, bitsToTarget, targetToBitsUpperBound } from '../bitcoin/target.js';
import { UNKNOWN_BLOCK_HEIGHT } from '../sharechain/score.js';
import type { Prng } from './prng.js';

/** Height of the block the first template builds (a recent mainnet height; BIP34 push size only). */
const FIRST_HEIGHT = 930_000;

export interface ParentBlock {
  /** Display hex. */
  hash: string;
  height: number;
  /** Virtual ms. */
  time: number;
  /** The share id when the pool found it, else null. */
  share: string | null;
}

export class ParentChain {
  readonly bits: number;
  readonly blockTarget: bigint;
  readonly blocks: ParentBlock[] = [];
  private readonly heights = new Map<string, number>();
  private readonly templates: BlockTemplate[] = [];
  /** Per node: index of the block its template builds on. */
  private readonly nodeTip: number[];

  constructor(
    difficulty: number,
    private readonly reward: number,
    nodes: number,
    startMs: number,
    private readonly rng: Prng,
  ) {
    this.bits = targetToBitsUpperBound(difficultyToTarget(difficulty));
    this.blockTarget = bitsToTarget(this.bits);
    this.nodeTip = new Array<number>(nodes).fill(0);
    this.append(this.rng.bytes(32), startMs, null);
  }

  get tip(): ParentBlock {
    return this.blocks[this.blocks.length - 1]!;
  }

  private append(hashBytes: Buffer, time: number, share: string | null): ParentBlock {
    const height = FIRST_HEIGHT - 1 + this.blocks.length;
    const block: ParentBlock = { hash: hashToDisplayHex(hashBytes), height, time, share };
    this.blocks.push(block);
    this.heights.set(block.hash, height);
    const t = Math.floor(time / 1000);
    this.templates.push({
      version: 0x20000000,
      previousBlockHash: Buffer.from(hashBytes),
      transactions: [],
      coinbaseValue: this.reward,
      bits: this.bits,
      curtime: t,
      mintime: t,
      height: height + 1,
      rules: ['csv', '!segwit', 'taproot'],
      defaultWitnessCommitment: null,
      coinbaseAux: Buffer.alloc(0),
      mutable: ['time', 'transactions', 'prevblock'],
      sigopLimit: 80_000,
      sizeLimit: 4_000_000,
      weightLimit: 4_000_000,
      longPollId: null,
      vbAvailable: {},
      vbRequired: 0,
      totalFees: 0,
      mwebSuffix: Buffer.alloc(0),
    });
    return block;
  }

  /** A block by the rest of the network at `time`. */
  externalBlock(time: number): ParentBlock {
    return this.append(this.rng.bytes(32), time, null);
  }

  /**
   * A node submits a block (header first): accepted when it builds on the tip, else refused as
   * stale. Returns the new block or the refusal.
   */
  submit(block: Buffer, time: number, share: string | null): { block: ParentBlock } | { refused: string } {
    const header = block.subarray(0, 80);
    const prev = hashToDisplayHex(header.subarray(4, 36));
    if (prev !== this.tip.hash) return { refused: `stale: builds on ${prev.slice(0, 16)}…, the tip is ${this.tip.hash.slice(0, 16)}…` };
    return { block: this.append(sha256d(header), time, share) };
  }

  template(node: number): BlockTemplate {
    return this.templates[this.nodeTip[node]!]!;
  }

  tipIndexOf(node: number): number {
    return this.nodeTip[node]!;
  }

  /** The node's template moves to block `index` (never backwards). Returns true when it changed. */
  advance(node: number, index: number): boolean {
    if (index <= this.nodeTip[node]!) return false;
    this.nodeTip[node] = index;
    return true;
  }

  /** score.ts's HeightRelHighest for one node: height relative to the block its template builds on. */
  heightRelTip(node: number, prevDisplayHex: string): number {
    const h = this.heights.get(prevDisplayHex);
    return h === undefined ? UNKNOWN_BLOCK_HEIGHT : h - this.blocks[this.nodeTip[node]!]!.height;
  }
}
