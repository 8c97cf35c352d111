/**
 * Merged mining: polls each aux chain (`--merged-url`) for work, keeps the aux merkle tree
 * whose root goes into the parent coinbase, and turns parent solutions that meet an aux
 * target into AuxPoW submissions. STUB: being implemented (issue 7).
 */
import { EventEmitter } from 'node:events';
import type { MergedMiningHook, ParentSolution } from '../work/merged-hook.js';
import type { ChainParams } from '../bitcoin/chain-params.js';

export interface AuxChainConfig {
  /** RPC URL, credentials may be in it (http://user:pass@host:port/). */
  url: string;
  /** `--merged-userpass USER:PASS` for this URL, if given. */
  userpass?: string;
}

export interface MergedMiningOptions {
  chains: AuxChainConfig[];
  /** The parent chain (for the PoW function when checking aux targets). */
  parent: ChainParams;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

export interface AuxChainStats {
  url: string;
  chainId: number | null;
  accepted: number;
  rejected: number;
  lastError: string | null;
}

export interface MergedMiningEvents {
  /** The aux work changed: the commitment in new jobs differs (node: work.workChanged(false)). */
  changed: [];
  /** An aux block was submitted; accepted or not (with the chain's reason). */
  auxblock: [info: { url: string; hash: string; accepted: boolean; reason: string | null }];
}

export class MergedMining extends EventEmitter<MergedMiningEvents> implements MergedMiningHook {
  constructor(readonly opts: MergedMiningOptions) {
    super();
  }

  async start(): Promise<void> {}

  stop(): void {}

  stats(): AuxChainStats[] {
    return [];
  }

  coinbaseCommitment(): Buffer | null {
    return null;
  }

  easiestTarget(): bigint | null {
    return null;
  }

  onSolution(_solution: ParentSolution): void {}
}
