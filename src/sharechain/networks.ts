/**
 * P2Pool network definitions (docs/networks.md#p2pool-networks-sharechains): the sharechain's constants per network.
 *
 * bitcoin, testnet, regtest, litecoin and litecoin-testnet carry the maintained fork's (JT,
 * protocol 3501 era) values, so that our shares and theirs are interchangeable. signet and
 * testnet4 have no reference network: their IDENTIFIER and PREFIX were generated once with
 * crypto.randomBytes(8) for this project (`ours: true`), so they never mix with anyone else's.
 *
 * Parent chains come from bitcoin/chain-params. The table is built on first use so that merely
 * importing this module never touches the chain table.
 */
import { getChainParams, type ChainParams } from '../bitcoin/chain-params.js';
import { FAIR_NET_NAMES, getFairNetwork, isFairNetName, type FairNetwork } from './fair/networks.js';

export type P2PoolNetName =
  | 'bitcoin'
  | 'testnet'
  | 'testnet4'
  | 'signet'
  | 'regtest'
  | 'litecoin'
  | 'litecoin-testnet';

export interface P2PoolNetwork {
  name: P2PoolNetName;
  /** The parent chain. */
  parent: ChainParams;
  /** 8 bytes, hashed into every share's ref_hash. */
  identifier: Buffer;
  /** 8 bytes that start every P2P message. */
  prefix: Buffer;
  p2pPort: number;
  workerPort: number;
  /** Target seconds between shares. */
  sharePeriod: number;
  chainLength: number;
  realChainLength: number;
  targetLookbehind: number;
  /** PPLNS window in parent blocks' worth of work. */
  spread: number;
  minTarget: bigint;
  maxTarget: bigint;
  /** Share version at which segwit data is present (JT SEGWIT_ACTIVATION_VERSION). */
  segwitActivationVersion: number;
  minimumProtocolVersion: number;
  bootstrapAddrs: string[];
  /** Satoshis; small miners get harder shares so one share is worth at least this (docs/mining.md#difficulty-pseudoshares-shares-and-blocks). */
  dustThreshold: number;
  /** Refuse work when there are no peers / no shares (mainnets). */
  persist: boolean;
  /** True for networks whose identifier and prefix are ours, not the reference's. */
  ours: boolean;
  /**
   * Simulation only (`p2pool simulate`, docs/simulate.md#proof-of-work): the PoW hash the
   * simulator drew for the header whose sha256d is `headerHash` (internal byte order), or
   * undefined to compute it. Never set on a network a node runs on.
   */
  simulatedPow?: (headerHash: Buffer) => Buffer | undefined;
}

export const P2POOL_NET_NAMES: readonly P2PoolNetName[] = [
  'bitcoin', 'testnet', 'testnet4', 'signet', 'regtest', 'litecoin', 'litecoin-testnet',
];

/** The reference's module names, accepted as aliases (`--net btcregtest` works as in JT). */
const ALIASES: Record<string, P2PoolNetName> = {
  bitcoin_testnet: 'testnet',
  btcregtest: 'regtest',
  litecoin_testnet: 'litecoin-testnet',
};

const hex = (h: string): Buffer => Buffer.from(h, 'hex');

// One day of 10-second shares: the window the reference keeps for BTC and LTC (docs/networks.md#p2pool-networks-sharechains).
const DAY_OF_10S_SHARES = (24 * 60 * 60) / 10; // 8640
// One hour of 10-second shares: the testnets' and regtest's window (docs/networks.md#p2pool-networks-sharechains).
const HOUR_OF_10S_SHARES = (60 * 60) / 10; // 360
const SATS_PER_COIN = 100_000_000;

type Row = Omit<P2PoolNetwork, 'parent' | 'name'>;

const ROWS: Record<P2PoolNetName, Row> = {
  // JT p2pool/networks/bitcoin.py (docs/networks.md#p2pool-networks-sharechains).
  bitcoin: {
    identifier: hex('fc70035c7a81bc6f'),
    prefix: hex('2472ef181efcd37b'),
    p2pPort: 9333,
    workerPort: 9332,
    sharePeriod: 30,
    chainLength: DAY_OF_10S_SHARES,
    realChainLength: DAY_OF_10S_SHARES,
    targetLookbehind: 200,
    spread: 3,
    minTarget: 0n,
    maxTarget: (1n << 256n) / (1n << 32n) - 1n, // difficulty 1
    segwitActivationVersion: 33,
    minimumProtocolVersion: 3301,
    // JT's list as found in a public copy of jtoomim/p2pool (BadMomber/p2pool-jtoomim).
    bootstrapAddrs: [
      'ml.toom.im', 'ml.toom.im:9336', 'ml.toom.im:9334', '93.77.99.166', 'whortonda.noip.me:9333',
      'btc-fork.coinpool.pw:9335', 'crypto.office-on-the.net:9335', 'siberia.mine.nu:9335',
    ],
    dustThreshold: 0.001 * SATS_PER_COIN, // docs/sharechain.md#pplns
    persist: true,
    ours: false,
  },
  testnet: {
    identifier: hex('5fc2be2d4f0d6bfb'),
    prefix: hex('3f6057a15036f441'),
    p2pPort: 19333,
    workerPort: 19332,
    sharePeriod: 30,
    chainLength: HOUR_OF_10S_SHARES,
    realChainLength: HOUR_OF_10S_SHARES,
    targetLookbehind: 200,
    spread: 3,
    minTarget: 0n,
    maxTarget: (1n << 256n) / (1n << 32n) - 1n,
    segwitActivationVersion: 15,
    minimumProtocolVersion: 3200,
    // ORIG's bitcoin_testnet list (JT's own list is not known to us).
    bootstrapAddrs: ['forre.st', 'vps.forre.st', 'liteco.in', '78.158.149.247'],
    dustThreshold: 1 * SATS_PER_COIN,
    persist: false,
    ours: false,
  },
  // The reference's btcregtest. Its parent lacks a P2SH version and bech32 prefix; ours uses
  // Bitcoin Core's regtest values (196, 'bcrt') through chain-params.
  regtest: {
    identifier: hex('5ad2c6ecbd7d9372'),
    prefix: hex('8f2c8d54b3278bc8'),
    p2pPort: 19444,
    workerPort: 19443,
    sharePeriod: 30,
    chainLength: HOUR_OF_10S_SHARES,
    realChainLength: HOUR_OF_10S_SHARES,
    targetLookbehind: 200,
    spread: 3,
    minTarget: 0n,
    maxTarget: (1n << 256n) / 2n - 1n, // half of all hashes pass: CPU-minable
    segwitActivationVersion: 15,
    minimumProtocolVersion: 3200,
    bootstrapAddrs: [],
    dustThreshold: 1 * SATS_PER_COIN,
    persist: false,
    ours: false,
  },
  litecoin: {
    identifier: hex('e037d5b8c6923410'),
    prefix: hex('7208c1a53ef629b0'),
    p2pPort: 9326, // JT moved it from ORIG's 9338 (docs/networks.md#p2pool-networks-sharechains)
    workerPort: 9327,
    sharePeriod: 15,
    chainLength: DAY_OF_10S_SHARES,
    realChainLength: DAY_OF_10S_SHARES,
    targetLookbehind: 200,
    spread: 3,
    minTarget: 0n,
    maxTarget: (1n << 256n) / (1n << 20n) - 1n,
    segwitActivationVersion: 17,
    minimumProtocolVersion: 3301,
    // The host names from JT's list (its long tail of 2013-era IPs is left out).
    bootstrapAddrs: [
      'forre.st:9338', 'vps.forre.st:9338', 'litecoin-p2pool.com:9338', 'crypto.office-on-the.net',
      'siberia.mine.nu',
    ],
    dustThreshold: 0.03 * SATS_PER_COIN,
    persist: true,
    ours: false,
  },
  'litecoin-testnet': {
    identifier: hex('cca5e24ec6408b1e'),
    prefix: hex('ad9614f6466a39cf'),
    p2pPort: 19338,
    workerPort: 19327,
    sharePeriod: 4,
    chainLength: (20 * 60) / 3, // 400
    realChainLength: (20 * 60) / 3,
    targetLookbehind: 200,
    spread: 3,
    minTarget: 0n, // JT; ORIG used 2**256//50-1
    maxTarget: (1n << 256n) / 20n - 1n, // JT; ORIG used 2**256//50-1
    segwitActivationVersion: 17,
    minimumProtocolVersion: 3301,
    bootstrapAddrs: ['forre.st'],
    dustThreshold: 1 * SATS_PER_COIN,
    persist: false,
    ours: false,
  },
  // Ours: testnet constants, fresh identity. Only v35 nodes exist here, hence 3500.
  signet: {
    identifier: hex('b5718d8a232e3d2c'),
    prefix: hex('f1bb43a88ec7d4d0'),
    p2pPort: 39333,
    workerPort: 39332,
    sharePeriod: 30,
    chainLength: HOUR_OF_10S_SHARES,
    realChainLength: HOUR_OF_10S_SHARES,
    targetLookbehind: 200,
    spread: 3,
    minTarget: 0n,
    maxTarget: (1n << 256n) / (1n << 32n) - 1n,
    segwitActivationVersion: 15,
    minimumProtocolVersion: 3500,
    bootstrapAddrs: [],
    dustThreshold: 1 * SATS_PER_COIN,
    persist: false,
    ours: true,
  },
  testnet4: {
    identifier: hex('b3fcbeac5d87f63a'),
    prefix: hex('020c3cdd072a503e'),
    p2pPort: 49333,
    workerPort: 49332,
    sharePeriod: 30,
    chainLength: HOUR_OF_10S_SHARES,
    realChainLength: HOUR_OF_10S_SHARES,
    targetLookbehind: 200,
    spread: 3,
    minTarget: 0n,
    maxTarget: (1n << 256n) / (1n << 32n) - 1n,
    segwitActivationVersion: 15,
    minimumProtocolVersion: 3500,
    bootstrapAddrs: [],
    dustThreshold: 1 * SATS_PER_COIN,
    persist: false,
    ours: true,
  },
};

const cache = new Map<P2PoolNetName, P2PoolNetwork>();

/**
 * Parent chains with no P2Pool sharechain (the reference defines none for namecoin, docs/networks.md#p2pool-networks-sharechains):
 * what to do instead. Namecoin is merge-mined beside a sharechain on its parent (bitcoin).
 */
const NO_SHARECHAIN: Record<string, string> = {
  namecoin:
    'namecoin has no P2Pool sharechain (the reference defines none): run p2pool on the parent chain ' +
    '(--net bitcoin) and merge-mine namecoin with --merged-url http://USER:PASS@HOST:8336/ ' +
    '(its RPC port), so each share also works on namecoin blocks',
};

/** The network named `name` (our names, or the reference's module names as aliases). */
export function getP2PoolNetwork(name: string): P2PoolNetwork {
  const key = (ALIASES[name] ?? name) as P2PoolNetName;
  const row = Object.prototype.hasOwnProperty.call(ROWS, key) ? ROWS[key] : undefined;
  if (!row) {
    const instead = Object.prototype.hasOwnProperty.call(NO_SHARECHAIN, name) ? NO_SHARECHAIN[name] : undefined;
    if (instead !== undefined) throw new Error(instead);
    throw new Error(`unknown P2Pool network '${name}' (valid: ${P2POOL_NET_NAMES.join(', ')})`);
  }
  let net = cache.get(key);
  if (!net) {
    net = Object.freeze({
      ...row,
      bootstrapAddrs: [...row.bootstrapAddrs],
      name: key,
      parent: getChainParams(key),
    }) as P2PoolNetwork;
    cache.set(key, net);
  }
  return net;
}

/**
 * Every sharechain network `--net` may name: the v35 ones above and the fair ones
 * (fair/networks.ts, docs/fair-sharechain.md#networks), which run other rules on other
 * identities.
 */
export const SHARECHAIN_NET_NAMES: readonly string[] = [...P2POOL_NET_NAMES, ...FAIR_NET_NAMES];

export type SharechainNetwork = { rules: 'v35'; net: P2PoolNetwork } | { rules: 'fair'; net: FairNetwork };

/** The network named `name` with the rules it runs (v35 names and aliases, or a fair name). */
export function getSharechainNetwork(name: string): SharechainNetwork {
  if (isFairNetName(name)) return { rules: 'fair', net: getFairNetwork(name) };
  return { rules: 'v35', net: getP2PoolNetwork(name) };
}

/** Any network a node can run: a v35 one, or a fair one (docs/fair-sharechain.md#networks). */
export type NodeNetwork = P2PoolNetwork | FairNetwork;

/** True for a fair network (it carries a consensus ID; a v35 network has a fixed identifier). */
export function isFairNetwork(net: NodeNetwork): net is FairNetwork {
  return 'consensusId' in net;
}

/** The network named `name`, v35 or fair, as the node runs it. */
export function getNodeNetwork(name: string): NodeNetwork {
  return isFairNetName(name) ? getFairNetwork(name) : getP2PoolNetwork(name);
}
