/**
 * The real Namecoin AuxPoW vectors (test/fixtures/namecoin-auxpow, from namecoin/electrum-nmc;
 * see SOURCES.md), typed for the tests that use them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NamecoinVector {
  name: string;
  full_hex: string;
  aux_header: { hex: string; chain_id: number; bits: number };
  aux_block_hash: string;
  has_auxpow: boolean;
  auxpow?: {
    coinbase_tx_hex: string;
    coinbase_txid: string;
    coinbase_script_sig_hex: string;
    parent_hash_field_serialized_hex: string;
    coinbase_merkle_branch_serialized: string[];
    coinbase_merkle_index: number;
    chain_merkle_branch_serialized: string[];
    chain_merkle_index: number;
    parent_header_hex: string;
    parent_block_hash: string;
    chain_merkle_root_display: string;
    merged_mining_magic_fabe6d6d_present: boolean;
    merged_mining_magic_offset_in_script: number | null;
    chain_merkle_root_offset_in_script: number;
    merkle_size_from_script: number;
    merkle_nonce_from_script: number;
    expected_chain_index_by_formula: number;
  };
}

export interface NamecoinFailureCase {
  name: string;
  base_vector: string;
  mutation: string;
  full_hex: string;
  expected: string;
}

export interface NamecoinFixture {
  conventions: { namecoin_chain_id: number };
  vectors: NamecoinVector[];
  failure_cases: NamecoinFailureCase[];
}

const here = dirname(fileURLToPath(import.meta.url));
export const namecoin = JSON.parse(
  readFileSync(join(here, '../fixtures/namecoin-auxpow/namecoin-auxpow.json'), 'utf8'),
) as NamecoinFixture;

export const auxpowVectors = namecoin.vectors.filter((v) => v.has_auxpow);

/** Namecoin's own rejection message quoted in a failure case's `expected`, or null (parse errors). */
export function expectedReason(c: NamecoinFailureCase): string | null {
  return /\('(.+)'\)/.exec(c.expected)?.[1] ?? null;
}
