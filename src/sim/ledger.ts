/**
 * Every share of a run, as the engine records it (docs/simulate.md#end-and-what-is-counted): who found
 * it, when, at which target, what a block at it would pay, and at the end its fate: on the
 * final chain, paid by reference (future rules), orphaned, or dead (the work layer said its
 * work was outdated when it arrived). The start chain is recorded too (miner -1), so links
 * resolve, but it counts for no miner.
 */
import type { SimShareLinks } from './rules.js';

export type ShareFate = 'chain' | 'uncle' | 'sub-share' | 'orphan' | 'dead';

export class ShareLedger {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  readonly parent: number[] = [];
  readonly height: number[] = [];
  readonly miner: number[] = [];
  readonly node: number[] = [];
  /** Virtual ms the share was found (the start chain: its timestamp). */
  readonly foundAt: number[] = [];
  /** Expected hashes of the share (2**256 / (target + 1)). */
  readonly work: number[] = [];
  /** Probability that it was a block that counts (0 when its parent block was already stale). */
  readonly pBlock: number[] = [];
  readonly dead: boolean[] = [];
  readonly extendsChain: boolean[] = [];
  /** Outputs of its coinbase (-1 for the start chain). */
  readonly outputs: number[] = [];
  private readonly refs = new Map<number, SimShareLinks['references']>();
  fates: ShareFate[] = [];

  get size(): number {
    return this.ids.length;
  }

  indexOf(id: string): number | undefined {
    return this.index.get(id);
  }

  add(r: {
    id: string;
    links: SimShareLinks;
    miner: number;
    node: number;
    foundAt: number;
    work: number;
    pBlock: number;
    dead: boolean;
    outputs: number;
  }): number {
    if (this.index.has(r.id)) throw new Error(`internal: share ${r.id} recorded twice`);
    const i = this.ids.length;
    const parent = r.links.parent === null ? -1 : (this.index.get(r.links.parent) ?? -1);
    this.ids.push(r.id);
    this.index.set(r.id, i);
    this.parent.push(parent);
    this.height.push(parent < 0 ? 1 : this.height[parent]! + 1);
    this.miner.push(r.miner);
    this.node.push(r.node);
    this.foundAt.push(r.foundAt);
    this.work.push(r.work);
    this.pBlock.push(r.pBlock);
    this.dead.push(r.dead);
    this.extendsChain.push(r.links.extendsChain);
    this.outputs.push(r.outputs);
    if (r.links.references.length > 0) this.refs.set(i, r.links.references);
    return i;
  }

  /** The shares share `i` pays by reference (none for v35). */
  references(i: number): SimShareLinks['references'] {
    return this.refs.get(i) ?? [];
  }

  /**
   * Classify every share against the final chain ending at `tip` (the network's consensus
   * best share at the end): on it, referenced from it (uncle / sub-share), or neither (dead if
   * the work layer said so, else orphaned).
   */
  classify(tip: string | null): void {
    const fates: ShareFate[] = this.dead.map((d) => (d ? 'dead' : 'orphan'));
    let i = tip === null ? -1 : (this.index.get(tip) ?? -1);
    const referenced: Array<[number, 'uncle' | 'sub-share']> = [];
    while (i >= 0) {
      fates[i] = 'chain';
      for (const ref of this.refs.get(i) ?? []) {
        const j = this.index.get(ref.id);
        if (j !== undefined) referenced.push([j, ref.kind]);
      }
      i = this.parent[i]!;
    }
    for (const [j, kind] of referenced) if (fates[j] !== 'chain') fates[j] = kind;
    this.fates = fates;
  }
}
