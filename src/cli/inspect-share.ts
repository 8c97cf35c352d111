/**
 * `p2pool inspect share HEX_OR_@FILE --net NAME`: one share (the wrapper as sent on the wire) of
 * a v35 network or a fair network, decoded and hashed, as one JSON object (docs/cli.md). Only
 * what the share's own bytes decide: whether it fits its chain needs `chain verify`.
 */
import { scriptToAddress } from '../bitcoin/address.js';
import { hashToDisplayHex, toHex } from '../bitcoin/hex.js';
import { classifyScript } from '../bitcoin/script.js';
import { targetToDifficulty } from '../bitcoin/target.js';
import type { FairNetwork } from '../sharechain/fair/networks.js';
import type { FairShare } from '../sharechain/fair/types.js';
import { getSharechainNetwork, type P2PoolNetwork } from '../sharechain/networks.js';
import { decodeSharechainShare } from '../sharechain/share-dispatch.js';
import type { Share } from '../sharechain/types.js';

const hex32 = (b: number): string => b.toString(16).padStart(8, '0');

function targetInfo(bits: number, target: bigint): { bits: string; target: string; difficulty: number } {
  return { bits: hex32(bits), target: target.toString(16).padStart(64, '0'), difficulty: targetToDifficulty(target) };
}

export interface ShareInspection {
  rules: 'v35' | 'fair';
  network: string;
  version: number;
  hash: string;
  pow_hash: string;
  [field: string]: unknown;
}

function inspectFair(s: FairShare, net: FairNetwork): ShareInspection {
  const i = s.info;
  return {
    rules: 'fair',
    network: net.name,
    version: s.version,
    hash: s.hash,
    pow_hash: hashToDisplayHex(s.powHash),
    kind: s.isLink ? 'link' : 'sub-share',
    prev_hash: s.prevHash,
    height: i.height,
    timestamp: i.timestamp,
    payee: { script: toHex(i.payoutScript), address: scriptToAddress(i.payoutScript, net.parent), type: classifyScript(i.payoutScript).type },
    subsidy: i.subsidy,
    max_outputs: i.maxOutputs,
    share_target: targetInfo(i.shareBits, s.target),
    link_target: targetInfo(i.linkBits, s.linkTarget),
    floor_target: targetInfo(i.floorBits, s.floorTarget),
    refs: s.refHashes,
    header: {
      version: s.header.version,
      prev_block: hashToDisplayHex(s.header.prevBlock),
      merkle_root: hashToDisplayHex(s.header80.subarray(36, 68)),
      timestamp: s.header.timestamp,
      bits: hex32(s.header.bits),
      nonce: s.header.nonce,
    },
    coinbase: toHex(i.coinbase),
    wtxid_root: hashToDisplayHex(i.wtxidRoot),
    merkle_branch_length: s.merkleBranch.length,
    ref_hash: toHex(s.refHash),
    gentx_txid: hashToDisplayHex(s.gentxHash),
    size: s.raw.length,
  };
}

function inspectV35(s: Share, net: P2PoolNetwork): ShareInspection {
  const info = s.shareInfo;
  return {
    rules: 'v35',
    network: net.name,
    version: s.version,
    hash: s.hash,
    pow_hash: hashToDisplayHex(s.powHash),
    prev_hash: s.prevHash,
    absheight: info.absheight,
    timestamp: info.timestamp,
    payee: { script: toHex(s.payoutScript), address: s.payee, type: classifyScript(s.payoutScript).type },
    subsidy: info.shareData.subsidy,
    share_target: targetInfo(info.bits, s.target),
    max_target: targetInfo(info.maxBits, s.maxTarget),
    header: {
      version: s.minHeader.version,
      prev_block: s.minHeader.prevBlock ? hashToDisplayHex(s.minHeader.prevBlock) : null,
      merkle_root: hashToDisplayHex(s.header.subarray(36, 68)),
      timestamp: s.minHeader.timestamp,
      bits: hex32(s.minHeader.bits),
      nonce: s.minHeader.nonce,
    },
    coinbase: toHex(info.shareData.coinbase),
    ref_hash: toHex(s.refHash),
    gentx_txid: hashToDisplayHex(s.gentxHash),
    size: s.raw.length,
  };
}

/** Decode and describe one share of network `netName` (v35 or fair). Throws DecodeError / InvalidShare. */
export function inspectShare(raw: Uint8Array, netName: string): ShareInspection {
  const n = getSharechainNetwork(netName);
  const d = decodeSharechainShare(raw, n);
  if (d.rules === 'fair' && n.rules === 'fair') return inspectFair(d.share, n.net);
  if (d.rules === 'v35' && n.rules === 'v35') return inspectV35(d.share, n.net);
  throw new Error('unreachable: decoded with the other rules');
}
