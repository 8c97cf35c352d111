/** Every fuzz target, in the order `npm run fuzz` runs them (docs/testing.md#fuzzing). */
import type { FuzzTarget } from '../engine.js';
import { address, auxpow, block, transaction } from './bitcoin.js';
import { bitcoindP2p, rpcReply } from './bitcoind.js';
import { config } from './config.js';
import { getwork, stratumParse, stratumSession } from './miners.js';
import { p2pFraming, p2pMessage } from './p2p.js';
import { share, storeRows } from './sharechain.js';

export const TARGETS: FuzzTarget[] = [
  share, p2pMessage, p2pFraming, stratumParse, stratumSession, getwork, rpcReply, bitcoindP2p, block, transaction, auxpow, address, storeRows, config,
];
