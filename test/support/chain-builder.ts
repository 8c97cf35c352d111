/**
 * A deterministic share-chain builder for tests and benches (our own code, not the
 * reference's): given a network, a parent-chain template and a list of share specs (miner
 * address, timestamp, desired target, donation, stale_info), it generates each share with the
 * production generation code (gentx.ts), grinds the header nonce until the PoW meets the share
 * target, and adds the share to an ArrayChain so the next one builds on it.
 *
 * With regtest constants (MAX_TARGET 2**256//2-1) a share needs ~2 hashes; pass a network with
 * an easier MAX_TARGET to make it ~1.
 */
import { encodeHeader } from '../../src/bitcoin/block.js';
import { powHash } from '../../src/bitcoin/chain-params.js';
import { bytesToBigIntLE, displayHexToHash } from '../../src/bitcoin/hex.js';
import { checkMerkleLink, type MerkleLink } from '../../src/bitcoin/merkle.js';
import { bitsToTarget } from '../../src/bitcoin/target.js';
import { assembleShare, generateShare } from '../../src/sharechain/gentx.js';
import type { P2PoolNetwork } from '../../src/sharechain/networks.js';
import { isSegwitActivated } from '../../src/sharechain/share-codec.js';
import type { SegwitData, Share, ShareHash, ShareVersion, StaleInfo } from '../../src/sharechain/types.js';
import { ArrayChain } from './array-chain.js';

/** What the parent chain's block template contributes to every share. */
export interface ParentTemplate {
  /** Internal byte order. */
  prevBlock: Buffer;
  /** Compact target of the block being mined (sizes the PPLNS window: SPREAD blocks of work). */
  bits: number;
  /** Coinbase value claimed, satoshis. */
  subsidy: number;
  /** Block header version. */
  version: number;
  /** txid merkle link ([coinbase] + template txids) and wtxid root (coinbase = 0). */
  segwitData: SegwitData;
  /** merkle_link over [coinbase] + template txids (v34+: carried, not validated). */
  merkleLink: MerkleLink;
}

/** An empty template (no transactions) on top of a fixed fake block, regtest-style bits. */
export function emptyTemplate(overrides: Partial<ParentTemplate> = {}): ParentTemplate {
  return {
    prevBlock: displayHexToHash('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206'),
    bits: 0x207fffff,
    subsidy: 50 * 100_000_000,
    version: 0x20000000,
    segwitData: { txidMerkleLink: { branch: [], index: 0 }, wtxidMerkleRoot: Buffer.alloc(32) },
    merkleLink: { branch: [], index: 0 },
    ...overrides,
  };
}

export interface ShareSpec {
  /** Payout address (any type the parent chain supports). */
  address: string;
  /** Desired timestamp (the share gets max(desired, prev + 1)). */
  timestamp: number;
  /** Desired share target; default the easiest allowed (the chain's minimum difficulty). */
  desiredTarget?: bigint;
  /** Fraction of 65535 donated. Default 0. */
  donation?: number;
  staleInfo?: StaleInfo;
  desiredVersion?: number;
  /** Build on this share instead of the previous spec's (forks); null starts a new chain. */
  parent?: ShareHash | null;
  /** Overrides the template's subsidy for this share. */
  subsidy?: number;
  /** Coinbase scriptSig (2..100 bytes); default a height-like push plus the share index. */
  coinbase?: Buffer;
}

export interface BuildOptions {
  version?: ShareVersion;
  /** Add to (and build on) an existing chain. */
  chain?: ArrayChain;
  /** Hash of the share the first spec builds on (default: none, a new chain). */
  parent?: ShareHash | null;
}

const EASIEST = (1n << 256n) - 1n;

/** Mine one share on top of `parent` (null: first share) and add it to `chain`. */
export function mineShare(
  net: P2PoolNetwork,
  chain: ArrayChain,
  template: ParentTemplate,
  spec: ShareSpec,
  parent: ShareHash | null,
  index: number,
  version: ShareVersion = 35,
): Share {
  const coinbase = spec.coinbase ?? Buffer.from(`0351${index.toString(16).padStart(8, '0')}`, 'hex');
  const lastTxoutNonce = BigInt(index) * 0x1000193n;
  const gen = generateShare({
    net,
    chain,
    version,
    shareData: {
      previousShareHash: parent === null ? null : displayHexToHash(parent),
      coinbase,
      nonce: index >>> 0,
      address: spec.address,
      subsidy: spec.subsidy ?? template.subsidy,
      donation: spec.donation ?? 0,
      staleInfo: spec.staleInfo ?? 'none',
      desiredVersion: spec.desiredVersion ?? version,
    },
    blockTarget: bitsToTarget(template.bits),
    desiredTimestamp: spec.timestamp,
    desiredTarget: spec.desiredTarget ?? EASIEST,
    segwitData: isSegwitActivated(version, net) ? template.segwitData : null,
    lastTxoutNonce,
  });
  const link = isSegwitActivated(version, net) ? template.segwitData.txidMerkleLink : template.merkleLink;
  const merkleRoot = link.branch.length === 0 ? gen.txid : checkMerkleLink(gen.txid, link);
  const target = bitsToTarget(gen.shareInfo.bits);
  const header = {
    version: template.version,
    prevBlock: template.prevBlock,
    merkleRoot,
    timestamp: gen.shareInfo.timestamp,
    bits: template.bits,
    nonce: 0,
  };
  for (;;) {
    const pow = powHash(net.parent, encodeHeader(header));
    if (bytesToBigIntLE(pow) <= target) break;
    if (header.nonce === 0xffffffff) throw new Error('nonce space exhausted');
    header.nonce++;
  }
  const share = assembleShare(gen, {
    minHeader: {
      version: header.version,
      prevBlock: header.prevBlock,
      timestamp: header.timestamp,
      bits: header.bits,
      nonce: header.nonce,
    },
    lastTxoutNonce,
    merkleLink: template.merkleLink,
    merkleRoot,
  });
  chain.add(share);
  return share;
}

/**
 * Mine `specs` in order, each on the previous one (or on `spec.parent`). Returns the shares;
 * they are also in the returned chain.
 */
export function buildChain(
  net: P2PoolNetwork,
  template: ParentTemplate,
  specs: readonly ShareSpec[],
  opts: BuildOptions = {},
): { chain: ArrayChain; shares: Share[] } {
  const chain = opts.chain ?? new ArrayChain();
  const shares: Share[] = [];
  let parent: ShareHash | null = opts.parent ?? null;
  const base = chain.shares.size;
  specs.forEach((spec, i) => {
    const p = spec.parent !== undefined ? spec.parent : parent;
    const share = mineShare(net, chain, template, spec, p, base + i, opts.version ?? 35);
    shares.push(share);
    parent = share.hash;
  });
  return { chain, shares };
}
