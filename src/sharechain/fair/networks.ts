/**
 * The fair sharechain's networks (docs/fair-sharechain.md#networks): every consensus constant
 * of the rules, per parent chain, and the identity derived from them (identity.ts).
 *
 * Four networks run the fair rules: bitcoin-fair, testnet4-fair, signet-fair and regtest-fair.
 * Their identifier and message prefix are not chosen: they are the first 16 bytes of the
 * consensus ID, a hash of the canonical text of every constant below (identity.ts), so two
 * rule sets can never share a network, and none can share one with a v35 network (whose
 * identifiers are fixed strings, src/sharechain/networks.ts).
 *
 * The table is built on first use so that importing the module never touches the chain table.
 */
import { getChainParams, type ChainName, type ChainParams } from '../../bitcoin/chain-params.js';
import { consensusIdOf } from './identity.js';

export type FairNetName = 'bitcoin-fair' | 'testnet4-fair' | 'signet-fair' | 'regtest-fair';

export const FAIR_NET_NAMES: readonly FairNetName[] = ['bitcoin-fair', 'testnet4-fair', 'signet-fair', 'regtest-fair'];

/**
 * Every constant that decides whether a share is valid or what a coinbase pays. The consensus
 * ID hashes all of them (identity.ts); changing any one makes another network.
 */
export interface FairRules {
  /** Rules revision: bumped for a change of meaning that changes no number. */
  rulesRevision: number;
  /** The share type on the wire (docs/fair-sharechain.md#networks). */
  shareVersion: number;
  /** Target seconds between links. */
  linkPeriod: number;
  /** Links over which the pool's rate is measured for the link target. */
  linkLookbehind: number;
  /** The easiest link target (and the link target of the first linkLookbehind links). */
  linkMaxTarget: bigint;
  /** The easiest own target any share may have. */
  maxTarget: bigint;
  /** The floor target is at most linkTarget * 2**floorRangeLog2 (F_MAX). */
  floorRangeLog2: number;
  /** Links over which references are counted for the floor. */
  floorLookbehind: number;
  /** References per link the floor aims to stay under (the pool-wide share ceiling). */
  ceilingRefsPerLink: number;
  /** The floor moves by 1/floorStepDivisor of itself per link. */
  floorStepDivisor: number;
  /** A reference's fork point lies at most this many links below the referencing link (H). */
  refDepth: number;
  /** References per link (R_MAX). */
  maxRefs: number;
  /** The includer bonus q = bonusNumerator / bonusDenominator of each reference's work. */
  bonusNumerator: number;
  bonusDenominator: number;
  /** The allowed max_outputs values, ascending; the last is K_MAX. */
  outputClasses: readonly number[];
  /** PPLNS window: at most this many links... */
  windowLinks: number;
  /** ...at most this many entries (links + references)... */
  windowEntries: number;
  /** ...and at most SPREAD parent blocks' worth of work (the last entry partial). */
  spread: number;
  /**
   * The share's own payee gets floor(subsidy / finderDivisor) first; 0 means no finder bonus
   * (the fair networks: docs/fair-sharechain.md#networks says why).
   */
  finderDivisor: number;
  /** A share's timestamp may be at most this far ahead of the receiver's clock. */
  maxFutureSeconds: number;
}

export interface FairNetwork extends FairRules {
  name: FairNetName;
  parent: ChainParams;
  /** sha256d of the canonical constants text (identity.ts), internal byte order. */
  consensusId: Buffer;
  /** consensusId[0..8]: hashed into every share's ref_hash. */
  identifier: Buffer;
  /** consensusId[8..16]: starts every P2P message. */
  prefix: Buffer;
  p2pPort: number;
  workerPort: number;
  bootstrapAddrs: string[];
  /** Refuse work when there are no peers / no shares (mainnet). */
  persist: boolean;
  /**
   * The output class of miners that ask for none (no `~N`, no operator setting): 200, the
   * issue's default bound. A network constant but not consensus (a share may carry any class).
   */
  defaultOutputs: number;
  /**
   * The simulator's hook (docs/simulate.md#proof-of-work): the proof-of-work hash the simulator
   * drew for the header whose sha256d is `headerHash` (internal byte order), or undefined to
   * compute it. Not consensus (not in the identity); never set on a network a node runs on.
   */
  simulatedPow?: (headerHash: Buffer) => Buffer | undefined;
}

/** Difficulty 1 (bitcoin's pdiff-1 target rounded to a power of two), v35's MAX_TARGET on bitcoin. */
const DIFFICULTY_1_TARGET = (1n << 256n) / (1n << 32n) - 1n;

/** One day and three days of 30-second links. */
const DAY_OF_30S_LINKS = (24 * 60 * 60) / 30; // 2,880
const THREE_DAYS_OF_30S_LINKS = 3 * DAY_OF_30S_LINKS; // 8,640

/**
 * The rules shared by the networks (docs/fair-sharechain.md#networks carries each derivation).
 * Per network only the periods, windows and targets differ.
 */
const COMMON = {
  rulesRevision: 2, // 2: no finder bonus, S = K, dust to the first output (docs/fair-sharechain.md#payouts)
  // A number no live P2Pool network uses: 17-36 are taken (36 by the Litecoin community fork).
  shareVersion: 64,
  floorRangeLog2: 16,
  floorLookbehind: 20,
  ceilingRefsPerLink: 30,
  // (1 + 1/32)**20 = 1.85 < 2: the lag of the lookbehind cannot overshoot the 2x dead band.
  floorStepDivisor: 32,
  refDepth: 4,
  maxRefs: 60, // 2 x ceilingRefsPerLink
  bonusNumerator: 1,
  bonusDenominator: 10,
  // Largest counts whose worst-case coinbase (43-byte outputs, 100-byte scriptSig) fits 755,
  // 2,250 and 6,500 bytes (policy.ts worstCaseCoinbaseBytes), the default bound of 200, then
  // K_MAX = 1,000, opt-in for firmware that keeps the job on the heap (docs/fair-sharechain.md#networks).
  outputClasses: [11, 46, 145, 200, 1000] as readonly number[],
  // Not consensus: K of miners that ask for no class (docs/fair-sharechain.md#policy).
  defaultOutputs: 200,
  spread: 3,
  // No finder bonus: v35's 0.5% is a lottery prize that dominates a small miner's payout
  // variance and buys nothing against withholding (docs/fair-sharechain.md#networks).
  finderDivisor: 0,
  maxFutureSeconds: 300,
} as const;

type Row = Omit<FairNetwork, 'name' | 'parent' | 'consensusId' | 'identifier' | 'prefix'> & { parentName: ChainName };

const ROWS: Record<FairNetName, Row> = {
  'bitcoin-fair': {
    ...COMMON,
    parentName: 'bitcoin',
    linkPeriod: 30,
    linkLookbehind: 200,
    linkMaxTarget: DIFFICULTY_1_TARGET,
    maxTarget: DIFFICULTY_1_TARGET,
    windowLinks: THREE_DAYS_OF_30S_LINKS,
    // (ceilingRefsPerLink + 2) entries per link: the cap binds only above the ceiling.
    windowEntries: (COMMON.ceilingRefsPerLink + 2) * THREE_DAYS_OF_30S_LINKS,
    p2pPort: 9364,
    workerPort: 9363,
    bootstrapAddrs: [],
    persist: true,
  },
  'testnet4-fair': {
    ...COMMON,
    parentName: 'testnet4',
    linkPeriod: 30,
    linkLookbehind: 200,
    linkMaxTarget: DIFFICULTY_1_TARGET,
    maxTarget: DIFFICULTY_1_TARGET,
    windowLinks: DAY_OF_30S_LINKS,
    windowEntries: (COMMON.ceilingRefsPerLink + 2) * DAY_OF_30S_LINKS,
    p2pPort: 49364,
    workerPort: 49363,
    bootstrapAddrs: [],
    persist: false,
  },
  'signet-fair': {
    ...COMMON,
    parentName: 'signet',
    linkPeriod: 30,
    linkLookbehind: 200,
    linkMaxTarget: DIFFICULTY_1_TARGET,
    maxTarget: DIFFICULTY_1_TARGET,
    windowLinks: DAY_OF_30S_LINKS,
    windowEntries: (COMMON.ceilingRefsPerLink + 2) * DAY_OF_30S_LINKS,
    p2pPort: 39364,
    workerPort: 39363,
    bootstrapAddrs: [],
    persist: false,
  },
  // CPU-minable: every hash is a valid share at the easiest floor, one in 16 is a link, and
  // the windows are short, so tests and the demo see links and sub-shares within seconds.
  'regtest-fair': {
    ...COMMON,
    parentName: 'regtest',
    linkPeriod: 10,
    linkLookbehind: 20,
    linkMaxTarget: (1n << 252n) - 1n,
    maxTarget: (1n << 256n) - 1n,
    floorLookbehind: 10,
    // A regtest block is worth ~2 hashes (target 2**255): SPREAD 3 would cap the window at a
    // fraction of one share, so every block would pay its parent link alone and references
    // nothing. 2**40 blocks' worth (2.2e12 hashes) leaves the window bounded by windowLinks,
    // as on the real networks.
    spread: 2 ** 40,
    windowLinks: (60 * 60) / 10, // one hour of 10-second links
    windowEntries: (COMMON.ceilingRefsPerLink + 2) * 360,
    p2pPort: 19464,
    workerPort: 19463,
    bootstrapAddrs: [],
    persist: false,
  },
};

const cache = new Map<FairNetName, FairNetwork>();

export function isFairNetName(name: string): name is FairNetName {
  return (FAIR_NET_NAMES as readonly string[]).includes(name);
}

/** Build a network from a row: its rules, parent chain and derived identity. */
function makeFairNetwork(name: FairNetName, row: Row): FairNetwork {
  const { parentName, ...rest } = row;
  const parent = getChainParams(parentName);
  const consensusId = consensusIdOf(rest, parent);
  return Object.freeze({
    ...rest,
    outputClasses: Object.freeze([...rest.outputClasses]),
    bootstrapAddrs: [...rest.bootstrapAddrs],
    name,
    parent,
    consensusId,
    identifier: consensusId.subarray(0, 8),
    prefix: consensusId.subarray(8, 16),
  });
}

/**
 * A copy of `net` with some rules changed and its identity derived again (tests and benches:
 * e.g. bitcoin's constants with targets a CPU can meet). The name stays; the identity does not.
 */
export function withFairRules(net: FairNetwork, changes: Partial<FairRules>): FairNetwork {
  const { name, parent, consensusId: _c, identifier: _i, prefix: _p, ...rest } = net;
  return makeFairNetwork(name, { ...rest, ...changes, parentName: parent.name as ChainName });
}

/** The fair network named `name`; unknown names throw with the list of valid ones. */
export function getFairNetwork(name: string): FairNetwork {
  if (!isFairNetName(name)) throw new Error(`unknown fair network '${name}' (valid: ${FAIR_NET_NAMES.join(', ')})`);
  let net = cache.get(name);
  if (!net) {
    net = makeFairNetwork(name, ROWS[name]);
    cache.set(name, net);
  }
  return net;
}

/** K_MAX: the largest allowed max_outputs. */
export function maxOutputsLimit(net: FairRules): number {
  return net.outputClasses[net.outputClasses.length - 1]!;
}
