/**
 * hash_link (docs/sharechain.md#identity-sharefromcontents): a share carries the SHA-256 midstate of its generation
 * transaction's prefix (everything before ref_hash ‖ last_txout_nonce ‖ locktime), so a
 * verifier can recompute the gentx txid from the share alone, without the payout outputs.
 *
 * The bytes of the prefix that did not fill a whole 64-byte block are not sent: they are
 * always the end of a constant the verifier knows (`constEnding`, gentx_before_refhash, 79
 * bytes: longer than any partial block), so `extraData` is always empty in practice.
 *
 * txid = sha256d(stripped gentx) = sha256(sha256 resumed from the midstate).
 */
import { sha256dResumeFromBytes, sha256Midstate } from '../bitcoin/hash.js';
import type { HashLink } from './types.js';

/** Reference prefix_to_hash_link: the midstate of `prefix`, which must end with `constEnding`. */
export function prefixToHashLink(prefix: Uint8Array, constEnding: Uint8Array = Buffer.alloc(0)): HashLink {
  const p = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (constEnding.length > p.length || !p.subarray(p.length - constEnding.length).equals(constEnding)) {
    throw new RangeError('hash_link prefix does not end with the constant ending');
  }
  const { midstate, tail } = sha256Midstate(p);
  const extraData = Buffer.from(tail.subarray(0, Math.max(0, tail.length - constEnding.length)));
  return { state: midstate.state, extraData, length: p.length };
}

/** The last n (0..63) bytes of the constant ending, one view per n (the same constant for every share). */
let tailsOf: Uint8Array | null = null;
let tails: Array<Uint8Array | undefined> = [];
function endingTail(constEnding: Uint8Array, n: number): Uint8Array {
  if (constEnding !== tailsOf) {
    tailsOf = constEnding;
    tails = [];
  }
  return (tails[n] ??= constEnding.subarray(constEnding.length - n));
}

/**
 * Reference check_hash_link: finish hashing `data` (the bytes after the prefix) from the
 * link's midstate and return sha256d of the whole message, internal byte order.
 * Throws RangeError when the link is inconsistent with `constEnding`.
 */
export function checkHashLink(link: HashLink, data: Uint8Array, constEnding: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(32);
  checkHashLinkInto(link, data, constEnding, out, 0);
  return out;
}

/** checkHashLink writing the 32-byte digest to `out[outOffset..]` (no Buffer made). */
export function checkHashLinkInto(link: HashLink, data: Uint8Array, constEnding: Uint8Array, out: Uint8Array, outOffset: number): void {
  const extraLength = link.length % 64;
  if (link.extraData.length !== Math.max(0, extraLength - constEnding.length)) {
    throw new RangeError('hash_link.extra_data has the wrong length');
  }
  // extra_data is empty in practice (docs/sharechain.md#identity-sharefromcontents): then the partial block is the end of constEnding.
  let extra: Uint8Array;
  if (link.extraData.length === 0) {
    extra = endingTail(constEnding, extraLength);
  } else {
    const known = Buffer.concat([link.extraData, constEnding]);
    extra = known.subarray(known.length - extraLength);
  }
  // Resumed from the midstate and hashed twice in one call (no padded copy, no second Buffer).
  sha256dResumeFromBytes(link.state, link.length - extraLength, extra, data, out, outOffset);
}
