/**
 * Builds fair shares for tests, benches and fixtures with the production generator
 * (src/sharechain/fair/gentx.ts) and real hashing: it grinds the header nonce until the proof of
 * work meets the own target, and, when asked, until the share is a link (pow <= link target) or
 * a sub-share (link target < pow <= own target). On regtest-fair a sub-share needs ~1 hash and a
 * link ~16.
 */
import { encodeHeader } from '../../src/bitcoin/block.js';
import { powHash } from '../../src/bitcoin/chain-params.js';
import { displayHexToHash, hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { bitsToTarget } from '../../src/bitcoin/target.js';
import { assembleFairShare, generateFairShare, type GeneratedFairShare } from '../../src/sharechain/fair/gentx.js';
import { FairChainState } from '../../src/sharechain/fair/chain-state.js';
import type { FairNetwork } from '../../src/sharechain/fair/networks.js';
import type { FairTracker } from '../../src/sharechain/fair/tracker.js';
import type { RefSource } from '../../src/sharechain/fair/refs.js';
import { fairShareFromContents } from '../../src/sharechain/fair/share.js';
import type { FairShare, FairShareInfo, ShareHash } from '../../src/sharechain/fair/types.js';

export const REGTEST_PREV_BLOCK = displayHexToHash('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
/** A block target no share meets by accident: 2**200 (the window is then capped by links). */
export const HARD_BLOCK_BITS = 0x1a010000;

export interface FairSpec {
  parent: ShareHash | null;
  payoutScript: Buffer;
  timestamp: number;
  /** 'link' or 'sub-share' grinds until the share is one; 'any' takes the first valid nonce. */
  kind?: 'link' | 'sub-share' | 'any';
  /** Wanted own target (default: the floor, the easiest). */
  desiredTarget?: bigint;
  maxOutputs?: number;
  refs?: Buffer[];
  subsidy?: number;
  blockBits?: number;
  coinbase?: Buffer;
  /** Header nonce to start grinding from (varies the share when everything else is equal). */
  nonceStart?: number;
}

export interface MinedFair {
  share: FairShare;
  gen: GeneratedFairShare;
}

/** Generate and grind one share on `view` (not added anywhere). */
export function mineFair(net: FairNetwork, view: RefSource, spec: FairSpec): MinedFair {
  const gen = generateFairShare({
    net,
    view,
    parentHash: spec.parent,
    payoutScript: spec.payoutScript,
    coinbase: spec.coinbase ?? Buffer.from('0101', 'hex'),
    subsidy: spec.subsidy ?? 50 * 100_000_000,
    blockBits: spec.blockBits ?? HARD_BLOCK_BITS,
    timestamp: spec.timestamp,
    desiredTarget: spec.desiredTarget ?? net.maxTarget,
    maxOutputs: spec.maxOutputs ?? net.outputClasses[net.outputClasses.length - 1]!,
    ...(spec.refs ? { refs: spec.refs } : {}),
    wtxidRoot: Buffer.alloc(32),
  });
  const kind = spec.kind ?? 'any';
  if (kind === 'sub-share' && gen.targets.linkTarget >= targetOf(gen)) {
    throw new Error('a sub-share needs an own target easier than the link target');
  }
  const header = {
    version: 0x20000000,
    prevBlock: REGTEST_PREV_BLOCK,
    timestamp: gen.info.timestamp,
    bits: gen.blockBits,
    nonce: 0,
  };
  const own = targetOf(gen);
  const link = gen.targets.linkTarget;
  for (let nonce = spec.nonceStart ?? 0; nonce < 0x100000000; nonce++) {
    header.nonce = nonce;
    const h80 = encodeHeader({ ...header, merkleRoot: gen.txid });
    const pow = BigInt('0x' + hashToDisplayHex(powHash(net.parent, h80)));
    if (pow > own) continue;
    if (kind === 'link' && pow > link) continue;
    if (kind === 'sub-share' && pow <= link) continue;
    return { share: assembleFairShare(gen, { header: { ...header }, lastTxoutNonce: 0n, merkleBranch: [] }), gen };
  }
  throw new Error('nonce space exhausted');
}

function targetOf(gen: GeneratedFairShare): bigint {
  return bitsToTarget(gen.info.shareBits);
}

/** Payout scripts of every payable form (P2PKH, P2SH, P2WPKH, P2WSH, P2TR), index-distinct. */
export function testScript(i: number, form: 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr' = 'p2wpkh'): Buffer {
  const fill = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    b.writeUInt32BE(i + 1, 0);
    for (let k = 4; k < n; k++) b[k] = (i * 7 + k) & 0xff;
    return b;
  };
  switch (form) {
    case 'p2pkh':
      return Buffer.concat([Buffer.from('76a914', 'hex'), fill(20), Buffer.from('88ac', 'hex')]);
    case 'p2sh':
      return Buffer.concat([Buffer.from('a914', 'hex'), fill(20), Buffer.from('87', 'hex')]);
    case 'p2wpkh':
      return Buffer.concat([Buffer.from('0014', 'hex'), fill(20)]);
    case 'p2wsh':
      return Buffer.concat([Buffer.from('0020', 'hex'), fill(32)]);
    case 'p2tr':
      return Buffer.concat([Buffer.from('5120', 'hex'), fill(32)]);
  }
}

/**
 * A chain being built on one node's FairChainState with a virtual clock: each share is mined
 * 3 s after the previous one and added at once (so it is verified, or rejected, on the spot).
 */
export class FairTestChain {
  clock: number;
  readonly state: FairChainState;

  constructor(
    readonly net: FairNetwork,
    start = 1_767_225_600,
  ) {
    this.clock = start;
    this.state = new FairChainState({ net, now: () => (this.clock + 60) * 1000 });
  }

  get tracker(): FairTracker {
    return this.state.tracker;
  }

  /** Mine without adding. */
  mine(spec: Omit<FairSpec, 'timestamp'> & { timestamp?: number }): MinedFair {
    this.clock += 3;
    return mineFair(this.net, this.state.tracker, { ...spec, timestamp: spec.timestamp ?? this.clock });
  }

  /** Mine and add; throws if the share did not verify. */
  add(spec: Omit<FairSpec, 'timestamp'> & { timestamp?: number }): FairShare {
    const { share } = this.mine(spec);
    this.state.addShares([share]);
    if (!this.state.tracker.isVerified(share.hash)) {
      throw new Error(`share did not verify: ${this.state.tracker.badReason(share.hash) ?? 'waiting'}`);
    }
    return share;
  }

  link(parent: ShareHash | null, payee: number, extra: Partial<FairSpec> = {}): FairShare {
    return this.add({ parent, payoutScript: testScript(payee), kind: 'link', ...extra });
  }

  sub(parent: ShareHash, payee: number, extra: Partial<FairSpec> = {}): FairShare {
    return this.add({ parent, payoutScript: testScript(payee), kind: 'sub-share', ...extra });
  }

  /** `n` links on top of `parent`, each with `subs` sub-shares on its parent first. */
  grow(parent: ShareHash | null, n: number, subs = 0, payee = (i: number) => i % 5): FairShare {
    let top: FairShare | undefined;
    let p = parent;
    for (let i = 0; i < n; i++) {
      if (p !== null) for (let j = 0; j < subs; j++) this.sub(p, 100 + ((i * subs + j) % 7));
      top = this.link(p, payee(i));
      p = top.hash;
    }
    return top!;
  }
}

/**
 * A share whose share_info is changed after generation (the coinbase is not: the payouts stay
 * those of the original fields), then ground to a valid PoW of the wanted kind. For tests of
 * rules that only the chain can check.
 */
export function forgeFair(
  net: FairNetwork,
  view: RefSource,
  spec: FairSpec,
  mutate: (info: FairShareInfo) => void,
): FairShare {
  const { gen } = mineFair(net, view, spec);
  const info: FairShareInfo = { ...gen.info, refs: [...gen.info.refs] };
  mutate(info);
  const header = { version: 0x20000000, prevBlock: REGTEST_PREV_BLOCK, timestamp: info.timestamp, bits: gen.blockBits, nonce: 0 };
  for (let nonce = spec.nonceStart ?? 0; nonce < 1_000_000; nonce++) {
    header.nonce = nonce;
    let share: FairShare;
    try {
      share = fairShareFromContents({ header: { ...header }, info, merkleBranch: [], lastTxoutNonce: 0n, hashLink: gen.hashLink }, net);
    } catch (e) {
      if (/PoW invalid/.test((e as Error).message)) continue;
      throw e;
    }
    const kind = spec.kind ?? 'any';
    if ((kind === 'link' && !share.isLink) || (kind === 'sub-share' && share.isLink)) continue;
    return share;
  }
  throw new Error('no nonce found');
}
