/**
 * Decoding a fair share and deriving its identity (docs/fair-sharechain.md#identity and the
 * intrinsic rules of #validation, steps 1-12): everything its own bytes decide, in the spec's
 * order, each failure an InvalidShare naming the rule.
 *
 *   ref_hash  = sha256d(net.identifier ‖ share_info)
 *   txid      = sha256(sha256 resumed from hash_link ‖ ref_hash ‖ u64 last_txout_nonce ‖ u32 0)
 *   root      = merkle_branch folded over txid (the coinbase is leaf 0)
 *   header80  = version ‖ prev_block ‖ root ‖ timestamp ‖ bits ‖ nonce
 *   hash      = sha256d(header80);   pow = powHash(parent chain, header80) as a little-endian integer
 *
 * The proof of work goes through the parent chain's powHash (src/bitcoin/chain-params.ts), the
 * one function the simulator replaces with its drawn values.
 */
import { encodeHeader } from '../../bitcoin/block.js';
import { powHash as parentPowHash } from '../../bitcoin/chain-params.js';
import { sha256d } from '../../bitcoin/hash.js';
import { hashToDisplayHex, toHex } from '../../bitcoin/hex.js';
import { checkMerkleLink } from '../../bitcoin/merkle.js';
import { classifyScript } from '../../bitcoin/script.js';
import { bitsToTarget, targetToBitsUpperBound, targetToWork } from '../../bitcoin/target.js';
import { MAX_MONEY } from '../../bitcoin/transaction.js';
import { checkHashLink } from '../hash-link.js';
import { InvalidShare } from '../invalid-share.js';
import { decodeShareWrapper, encodeShareWrapper } from '../share-codec.js';
import { FAIR_GENTX_CONST_ENDING, fairGentxSuffix } from './coinbase.js';
import { decodeFairContents, encodeFairContents, encodeFairShareInfo } from './codec.js';
import type { FairNetwork } from './networks.js';
import type { FairShare, FairShareContents, FairShareInfo } from './types.js';

export { InvalidShare } from '../invalid-share.js';

/** The scriptSig bounds of every P2Pool share (v35's too: 2..100 bytes). */
export const MIN_COINBASE_BYTES = 2;
export const MAX_COINBASE_SCRIPT_BYTES = 100;

/** The payout script forms a fair share may pay (docs/fair-sharechain.md#validation). */
export const PAYABLE_SCRIPT_TYPES = ['p2pkh', 'p2sh', 'p2wpkh', 'p2wsh', 'p2tr'] as const;

/** Why `script` cannot be a payee, or null when it can. */
export function payoutScriptProblem(script: Uint8Array): string | null {
  const type = classifyScript(script).type;
  return (PAYABLE_SCRIPT_TYPES as readonly string[]).includes(type)
    ? null
    : `payout script ${toHex(script)} is ${type}, not one of ${PAYABLE_SCRIPT_TYPES.join(', ')}`;
}

/** True when `bits` is the canonical compact form of a nonzero target. */
function canonicalBits(bits: number): boolean {
  const t = bitsToTarget(bits);
  return t > 0n && targetToBitsUpperBound(t) === bits;
}

const bitsHex = (b: number): string => b.toString(16).padStart(8, '0');

/** ref_hash = sha256d(identifier ‖ share_info bytes). */
export function fairRefHash(infoBytes: Uint8Array, net: FairNetwork): Buffer {
  return sha256d(Buffer.concat([net.identifier, infoBytes]));
}

/** Decode a wrapper and derive the share (throws DecodeError for bytes, InvalidShare for rules). */
export function decodeFairShare(raw: Uint8Array, net: FairNetwork, timeSeen = 0): FairShare {
  const wrapper = decodeShareWrapper(raw);
  if (wrapper.type !== net.shareVersion) {
    throw new InvalidShare(`share version ${wrapper.type} is not ${net.name}'s version ${net.shareVersion}`);
  }
  const { contents, infoBytes } = decodeFairContents(wrapper.contents);
  return deriveFairShare(contents, net, Buffer.from(raw), timeSeen, infoBytes);
}

/** The wrapper bytes of `contents`; decode -> encode is byte-identical. */
export function encodeFairShare(contents: FairShareContents, net: FairNetwork): Buffer {
  return encodeShareWrapper(net.shareVersion, encodeFairContents(contents));
}

/** A share from contents (freshly built, or decoded), with the intrinsic checks. */
export function fairShareFromContents(contents: FairShareContents, net: FairNetwork, timeSeen = 0): FairShare {
  return deriveFairShare(contents, net, undefined, timeSeen, undefined);
}

/** Steps 2-8 of docs/fair-sharechain.md#validation: the fields alone. */
function checkFields(info: FairShareInfo, net: FairNetwork): void {
  if (info.coinbase.length < MIN_COINBASE_BYTES || info.coinbase.length > MAX_COINBASE_SCRIPT_BYTES) {
    throw new InvalidShare(`bad coinbase size: ${info.coinbase.length} bytes (must be ${MIN_COINBASE_BYTES}..${MAX_COINBASE_SCRIPT_BYTES})`);
  }
  const scriptProblem = payoutScriptProblem(info.payoutScript);
  if (scriptProblem !== null) throw new InvalidShare(scriptProblem);
  if (info.subsidy > MAX_MONEY) throw new InvalidShare(`subsidy ${info.subsidy} above 21,000,000 coins`);
  if (!net.outputClasses.includes(info.maxOutputs)) {
    throw new InvalidShare(`max_outputs ${info.maxOutputs} is not one of ${net.outputClasses.join(', ')}`);
  }
  if (info.refs.length > net.maxRefs) throw new InvalidShare(`${info.refs.length} refs, more than ${net.maxRefs}`);
  for (let i = 0; i < info.refs.length; i++) {
    const r = info.refs[i]!;
    if (r.every((b) => b === 0)) throw new InvalidShare(`ref ${i} is the zero hash`);
    if (i > 0 && Buffer.compare(info.refs[i - 1]!, r) >= 0) throw new InvalidShare(`refs are not strictly ascending at ${i}`);
    if (info.prevShare !== null && r.equals(info.prevShare)) throw new InvalidShare('the parent is also a ref');
  }
  for (const [field, bits] of [['share_bits', info.shareBits], ['link_bits', info.linkBits], ['floor_bits', info.floorBits]] as const) {
    if (!canonicalBits(bits)) throw new InvalidShare(`${field} ${bitsHex(bits)} is not a canonical compact target`);
  }
  const target = bitsToTarget(info.shareBits);
  const linkTarget = bitsToTarget(info.linkBits);
  const floorTarget = bitsToTarget(info.floorBits);
  if (linkTarget > net.linkMaxTarget) throw new InvalidShare('link target above the network maximum');
  if (floorTarget > net.maxTarget) throw new InvalidShare('floor target above the network maximum');
  if (target < linkTarget) throw new InvalidShare('share target harder than the link target');
  if (target > floorTarget) throw new InvalidShare('share target easier than the floor target');
  if (info.height < 1 || (info.prevShare === null && info.height !== 1)) {
    throw new InvalidShare(`height ${info.height} impossible${info.prevShare === null ? ' for a first share (must be 1)' : ''}`);
  }
}

function deriveFairShare(
  contents: FairShareContents,
  net: FairNetwork,
  raw: Buffer | undefined,
  timeSeen: number,
  infoBytes: Buffer | undefined,
): FairShare {
  const { info, header } = contents;
  checkFields(info, net);

  const refHash = fairRefHash(infoBytes ?? encodeFairShareInfo(info), net);
  if (contents.hashLink.length < FAIR_GENTX_CONST_ENDING.length) throw new InvalidShare('bad hash_link: prefix shorter than its constant ending');
  let gentxHash: Buffer;
  try {
    gentxHash = checkHashLink(contents.hashLink, fairGentxSuffix(refHash, contents.lastTxoutNonce), FAIR_GENTX_CONST_ENDING);
  } catch (e) {
    throw new InvalidShare(`bad hash_link: ${(e as Error).message}`);
  }
  const merkleRoot = contents.merkleBranch.length === 0
    ? gentxHash
    : checkMerkleLink(gentxHash, { branch: contents.merkleBranch, index: 0 });
  const header80 = encodeHeader({ ...header, merkleRoot });
  const hashBytes = sha256d(header80);
  const hash = hashToDisplayHex(hashBytes);
  // sha256d chains: the header's hash is its proof of work (one hash, not two). The simulator's
  // drawn value, when it has one, takes the place of the computed hash (networks.ts simulatedPow).
  const powHash = net.simulatedPow?.(hashBytes) ?? (net.parent.pow === 'sha256d' ? hashBytes : parentPowHash(net.parent, header80));
  // The display hex is the big-endian form: one BigInt parse instead of a 32-step byte loop.
  const pow = BigInt('0x' + hashToDisplayHex(powHash));

  const target = bitsToTarget(info.shareBits);
  if (pow > target) throw new InvalidShare('share PoW invalid (above its own target)', hash);
  const linkTarget = bitsToTarget(info.linkBits);

  return {
    header,
    info,
    merkleBranch: contents.merkleBranch,
    lastTxoutNonce: contents.lastTxoutNonce,
    hashLink: contents.hashLink,
    version: net.shareVersion,
    raw: raw ?? encodeFairShare(contents, net),
    hashBytes,
    hash,
    prevHash: info.prevShare === null ? null : hashToDisplayHex(info.prevShare),
    refHashes: info.refs.map(hashToDisplayHex),
    header80,
    powHash,
    pow,
    refHash,
    gentxHash,
    target,
    linkTarget,
    floorTarget: bitsToTarget(info.floorBits),
    work: targetToWork(target),
    linkWork: targetToWork(linkTarget),
    isLink: pow <= linkTarget,
    payee: toHex(info.payoutScript),
    timeSeen,
  };
}
