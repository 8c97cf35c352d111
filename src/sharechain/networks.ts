/**
 * P2Pool network definitions (reference §2.5, §4.4): the sharechain's constants per network.
 * STUB: the type is final; the table is being filled in.
 */
import type { ChainParams } from '../bitcoin/chain-params.js';

export type P2PoolNetName =
  | 'bitcoin'
  | 'testnet'
  | 'testnet4'
  | 'signet'
  | 'regtest'
  | 'litecoin'
  | 'litecoin-testnet';

export interface P2PoolNetwork {
  name: P2PoolNetName;
  /** The parent chain. */
  parent: ChainParams;
  /** 8 bytes, hashed into every share's ref_hash. */
  identifier: Buffer;
  /** 8 bytes that start every P2P message. */
  prefix: Buffer;
  p2pPort: number;
  workerPort: number;
  /** Target seconds between shares. */
  sharePeriod: number;
  chainLength: number;
  realChainLength: number;
  targetLookbehind: number;
  /** PPLNS window in parent blocks' worth of work. */
  spread: number;
  minTarget: bigint;
  maxTarget: bigint;
  /** Share version at which segwit data is present (JT SEGWIT_ACTIVATION_VERSION). */
  segwitActivationVersion: number;
  minimumProtocolVersion: number;
  bootstrapAddrs: string[];
  /** Satoshis; small miners get harder shares so one share is worth at least this (§5.3). */
  dustThreshold: number;
  /** Refuse work when there are no peers / no shares (mainnets). */
  persist: boolean;
  /** True for networks whose identifier and prefix are ours, not the reference's. */
  ours: boolean;
}

export function getP2PoolNetwork(_name: string): P2PoolNetwork {
  throw new Error('not implemented');
}
