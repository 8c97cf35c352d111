/**
 * The fixed parts of every P2Pool generation transaction (docs/sharechain.md#generation-transaction-buildgentx): the donation
 * script, the constant that ends the hash_link prefix, the segwit reserved value and the
 * OP_RETURN output that commits to the share (ref_hash ‖ last_txout_nonce).
 */
import { ByteWriter } from '../bitcoin/bytes.js';
import type { ChainParams } from '../bitcoin/chain-params.js';
import { hash160 } from '../bitcoin/hash.js';
import { scriptToAddress, } from '../bitcoin/address.js';
import { p2pkhScript } from '../bitcoin/script.js';

/**
 * The reference's DONATION_SCRIPT: a P2PK output to forrestv's key (its P2PKH address on BTC
 * mainnet is 1Kz5QaUPDtKrj5SqW5tFkn7WZh8LmQaQi4). Always the last payout output.
 */
export const DONATION_SCRIPT = Buffer.from(
  '4104ffd03de44a6e11b9917f3a29f9443283d9871c9d743ef30d5eddcd37094b64d1b3d8090496b53256786bf5c82932ec23c3b74d9f05a6f95a8b5529352656664bac',
  'hex',
);

/** The uncompressed public key inside DONATION_SCRIPT (push of 65 bytes, then OP_CHECKSIG). */
const DONATION_PUBKEY = DONATION_SCRIPT.subarray(1, 66);

/**
 * gentx_before_refhash: VarStr(DONATION_SCRIPT) ‖ u64 0 (the OP_RETURN output's value) ‖
 * 2a 6a 28 (its script length 42, OP_RETURN, push 40). 79 bytes, longer than any partial
 * SHA-256 block, which is why hash_link.extra_data is always empty.
 */
export const GENTX_BEFORE_REFHASH = new ByteWriter(80)
  .writeVarBytes(DONATION_SCRIPT)
  .writeU64LE(0n)
  .writeBytes(Buffer.from('2a6a28', 'hex'))
  .toBytes();

/** '[P2Pool]' * 4: the segwit witness reserved value of every P2Pool coinbase (docs/sharechain.md#generation-transaction-buildgentx). */
export const WITNESS_RESERVED_VALUE = Buffer.from('[P2Pool]'.repeat(4), 'ascii');

/** Bytes after the hash_link prefix in the stripped gentx: ref_hash(32) ‖ nonce(8) ‖ locktime(4). */
export const GENTX_SUFFIX_LENGTH = 32 + 8 + 4;

/** OP_RETURN push-40 of ref_hash ‖ u64 LE last_txout_nonce: the gentx's last output script. */
export function refOutputScript(refHash: Uint8Array, lastTxoutNonce: bigint): Buffer {
  return new ByteWriter(42).writeBytes(Buffer.from('6a28', 'hex')).writeBytes(refHash).writeU64LE(lastTxoutNonce).toBytes();
}

const donationPayeeCache = new Map<string, string>();

/**
 * The key the donation's amount is kept under (JT donation_script_to_address): the P2PKH
 * address of the donation public key on the parent chain. A miner paying to that very address
 * is merged into the donation output, as in the reference.
 */
export function donationPayee(parent: ChainParams): string {
  let addr = donationPayeeCache.get(parent.name);
  if (addr === undefined) {
    const a = scriptToAddress(p2pkhScript(hash160(DONATION_PUBKEY)), parent);
    if (a === null) throw new Error(`no P2PKH address form on ${parent.name}`);
    addr = a;
    donationPayeeCache.set(parent.name, addr);
  }
  return addr;
}
