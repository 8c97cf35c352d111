/**
 * Signature-operation counting, as Bitcoin Core counts it for the block limit of 80,000 sigop
 * cost (consensus/consensus.h MAX_BLOCK_SIGOPS_COST; docs/mining.md#block-limits).
 *
 * - `scriptSigops(script, accurate)` is Core's CScript::GetSigOpCount: OP_CHECKSIG and
 *   OP_CHECKSIGVERIFY count 1; OP_CHECKMULTISIG(VERIFY) counts 20 (MAX_PUBKEYS_PER_MULTISIG),
 *   or, when `accurate` and the previous opcode is OP_1..OP_16, that number. Counting stops
 *   where the script stops parsing (a push running past its end), as GetOp failing does.
 * - A coinbase's sigop cost is its legacy count (scriptSig and every output script, not
 *   accurate) times WITNESS_SCALE_FACTOR (Core GetTransactionSigOpCost returns there for a
 *   coinbase). So a P2PKH or P2PK output costs 4; P2SH, P2WPKH, P2WSH and OP_RETURN outputs 0.
 * - Any other transaction's cost also depends on the outputs it spends (P2SH redeem scripts,
 *   witness programs), which only the full node knows: getblocktemplate gives it per
 *   transaction (`sigops`). `sigopCostUpperBound` is for a template that leaves it out.
 */
import type { Transaction } from './transaction.js';

/** Core consensus/consensus.h. */
export const WITNESS_SCALE_FACTOR = 4;
/** Core script/script.h: what a bare OP_CHECKMULTISIG counts in the legacy (inaccurate) count. */
export const MAX_PUBKEYS_PER_MULTISIG = 20;

const OP_PUSHDATA1 = 0x4c;
const OP_PUSHDATA2 = 0x4d;
const OP_PUSHDATA4 = 0x4e;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_CHECKSIG = 0xac;
const OP_CHECKSIGVERIFY = 0xad;
const OP_CHECKMULTISIG = 0xae;
const OP_CHECKMULTISIGVERIFY = 0xaf;

/** Core CScript::GetSigOpCount(fAccurate). */
export function scriptSigops(script: Uint8Array, accurate: boolean): number {
  let n = 0;
  let last = -1;
  let pos = 0;
  while (pos < script.length) {
    const op = script[pos++]!;
    if (op <= OP_PUSHDATA4) {
      let len: number;
      if (op < OP_PUSHDATA1) {
        len = op;
      } else {
        const width = op === OP_PUSHDATA1 ? 1 : op === OP_PUSHDATA2 ? 2 : 4;
        if (pos + width > script.length) break;
        len = 0;
        for (let i = width - 1; i >= 0; i--) len = len * 256 + script[pos + i]!;
        pos += width;
      }
      if (pos + len > script.length) break;
      pos += len;
    } else if (op === OP_CHECKSIG || op === OP_CHECKSIGVERIFY) {
      n += 1;
    } else if (op === OP_CHECKMULTISIG || op === OP_CHECKMULTISIGVERIFY) {
      n += accurate && last >= OP_1 && last <= OP_16 ? last - OP_1 + 1 : MAX_PUBKEYS_PER_MULTISIG;
    }
    last = op;
  }
  return n;
}

/** Core GetLegacySigOpCount: every scriptSig and every output script, not accurate. */
export function legacySigops(tx: Transaction): number {
  let n = 0;
  for (const i of tx.inputs) n += scriptSigops(i.script, false);
  for (const o of tx.outputs) n += scriptSigops(o.script, false);
  return n;
}

/** Sigop cost of a coinbase transaction: its legacy count, scaled (Core GetTransactionSigOpCost). */
export function coinbaseSigopCost(tx: Transaction): number {
  return legacySigops(tx) * WITNESS_SCALE_FACTOR;
}

/** The last push of a push-only script, or null (a scriptSig spending P2SH ends with the redeem script). */
function lastPush(script: Uint8Array): Uint8Array | null {
  let pos = 0;
  let last: Uint8Array | null = null;
  while (pos < script.length) {
    const op = script[pos++]!;
    if (op > OP_16) return null;
    if (op > OP_PUSHDATA4) {
      last = null; // OP_1NEGATE, OP_1..OP_16, OP_RESERVED: pushes, but no bytes to read as a script
      continue;
    }
    let len: number;
    if (op < OP_PUSHDATA1) {
      len = op;
    } else {
      const width = op === OP_PUSHDATA1 ? 1 : op === OP_PUSHDATA2 ? 2 : 4;
      if (pos + width > script.length) return null;
      len = 0;
      for (let i = width - 1; i >= 0; i--) len = len * 256 + script[pos + i]!;
      pos += width;
    }
    if (pos + len > script.length) return null;
    last = script.subarray(pos, pos + len);
    pos += len;
  }
  return last;
}

/**
 * A sigop cost no smaller than Core's for `tx`, from the transaction alone (a template entry
 * without `sigops`). Core adds to the legacy count (x4) the P2SH count of each input whose
 * spent output is P2SH (the redeem script, the scriptSig's last push, counted accurately, x4)
 * and the witness count of each witness-program input (P2WPKH 1; P2WSH the witness script,
 * the last witness item, counted accurately; taproot 0). Not knowing the spent outputs, every
 * input is counted as if it were both: the scriptSig's last push as a redeem script, and, with
 * a witness, max(1, the last item as a witness script).
 */
export function sigopCostUpperBound(tx: Transaction): number {
  let cost = legacySigops(tx) * WITNESS_SCALE_FACTOR;
  for (const i of tx.inputs) {
    const redeem = lastPush(i.script);
    if (redeem !== null) cost += scriptSigops(redeem, true) * WITNESS_SCALE_FACTOR;
    if (i.witness.length > 0) cost += Math.max(1, scriptSigops(i.witness[i.witness.length - 1]!, true));
  }
  return cost;
}
