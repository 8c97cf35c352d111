/**
 * Loading the reference's generated share chains (test/fixtures/p2pool-reference, see
 * SOURCES.md) and the test networks they were made with: the reference's bitcoin mainnet
 * p2pool constants with MAX_TARGET overridden to 2**256//2-1 (the files' "source" field), so
 * that proof of work is trivial.
 */
import { readFileSync } from 'node:fs';
import { getP2PoolNetwork, type P2PoolNetwork } from '../../src/sharechain/networks.js';

export interface FixtureOutput { script: string; value: number; address?: string | null }
export interface FixtureShare {
  index: number;
  version: number;
  wrapped_share_hex: string;
  share_hash: string;
  pow_hash: string;
  ref_hash_le_hex: string;
  gentx_txid: string;
  gentx_full_hex: string;
  gentx_stripped_hex: string;
  header_hex: string;
  payout_outputs: FixtureOutput[];
  merkle_link_branch: string[];
  miner_address: string;
  subsidy: number;
  donation_field: number;
  timestamp: number;
  absheight: number;
  abswork: number;
  bits: string;
  hash_link?: { length: number; state: string };
  segwit_data?: { txid_merkle_link_branch: string[]; wtxid_merkle_root: string };
  previous_share_hash?: string | null;
  other_tx_hashes?: string[];
  new_transaction_hashes?: string[];
}
export interface FixtureChain {
  source: string;
  shares: FixtureShare[];
  [k: string]: unknown;
}

export function loadFixture(name: 'jt_v35_generated.json' | 'orig_v17_generated.json'): FixtureChain {
  return JSON.parse(readFileSync(new URL(`../fixtures/p2pool-reference/${name}`, import.meta.url), 'utf8')) as FixtureChain;
}

/** "MAX_TARGET overridden to 2**256//2-1" (the fixtures' source field). */
export const GENERATED_MAX_TARGET = (1n << 256n) / 2n - 1n;

/** JT bitcoin mainnet p2pool constants with the generator's MAX_TARGET. */
export function jtGeneratedNet(): P2PoolNetwork {
  return { ...getP2PoolNetwork('bitcoin'), maxTarget: GENERATED_MAX_TARGET };
}

/**
 * ORIG bitcoin mainnet constants as the v17 generator used them: segwit from v17 (ORIG's
 * SEGWIT_ACTIVATION_VERSION on bitcoin), same identifier, MAX_TARGET override.
 */
export function origGeneratedNet(): P2PoolNetwork {
  return { ...getP2PoolNetwork('bitcoin'), maxTarget: GENERATED_MAX_TARGET, segwitActivationVersion: 17 };
}
