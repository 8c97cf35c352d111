/**
 * `p2pool inspect auxpow HEX`: decode an aux block header with its AuxPoW and check it.
 * STUB: being implemented (issue 7).
 */
export interface AuxpowReport {
  valid: boolean;
  reason?: string;
  parent_hash: string;
  chain_id: number;
  aux_hash: string;
  coinbase_txid: string;
  aux_root: string;
}

export function inspectAuxpow(_hex: string): AuxpowReport {
  throw new Error('inspect auxpow: not implemented yet');
}
