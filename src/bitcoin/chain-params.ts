/**
 * Parent-chain parameters (the coin the pool mines): bitcoin main/testnet3/testnet4/signet/
 * regtest, litecoin main/testnet, namecoin.
 *
 * Sources: Bitcoin Core kernel/chainparams.cpp and chainparamsbase.cpp (magic, ports, address
 * versions, HRPs, datadir sub-folders, genesis), Litecoin Core chainparams.cpp, Namecoin Core
 * chainparams.cpp, and the reference's `p2pool/bitcoin/networks/*.py` (docs/networks.md#p2pool-networks-sharechains), which agrees on
 * every value it defines. Where the reference and Core differ we follow Core and say so.
 * Every genesis hash is pinned in test/bitcoin/chain-params.test.ts by hashing its header.
 */
import { scryptPow, sha256d, sha256dInto } from './hash.js';

export type ChainName =
  | 'bitcoin'
  | 'testnet'
  | 'testnet4'
  | 'signet'
  | 'regtest'
  | 'litecoin'
  | 'litecoin-testnet'
  | 'namecoin';

export type PowName = 'sha256d' | 'scrypt';

export interface ChainParams {
  name: ChainName;
  /** The coin family, for `--net X --testnet` resolution and display. */
  coin: 'bitcoin' | 'litecoin' | 'namecoin';
  /** True for every network except the coin's main network. */
  isTestnet: boolean;
  /** Currency symbol shown to people (BTC, tBTC, rBTC, LTC, tLTC, NMC). */
  symbol: string;
  /** P2P message start bytes. */
  magic: Buffer;
  defaultP2pPort: number;
  defaultRpcPort: number;
  /** Sub-folder of the node's datadir holding `.cookie` for this network ('' on main). */
  dataDirSubfolder: string;
  /** Base58 version byte of P2PKH addresses. */
  pubkeyHashVersion: number;
  /** Base58 version byte of P2SH addresses. */
  scriptHashVersion: number;
  /** Bech32 human-readable part, or null if the chain has no segwit addresses. */
  bech32Hrp: string | null;
  /** Target seconds between blocks. */
  blockPeriod: number;
  /** Blocks between subsidy halvings. */
  halvingInterval: number;
  /** Initial block subsidy in satoshis. */
  initialSubsidy: number;
  pow: PowName;
  /** Genesis block hash, display hex. */
  genesisHash: string;
  /** Soft forks the node's chain must have active (getblockchaininfo / getdeploymentinfo names). */
  requiredSoftForks: string[];
  /** getblocktemplate rules this implementation understands (BIP9: a '!' rule outside this set must be refused). */
  knownRules: string[];
  /** Stratum difficulty multiplier (65536 for scrypt miners, issue #241). */
  stratumDifficultyMultiplier: number;
  /** Signet: blocks need a signature from the challenge's signers. */
  signet?: { challenge: Buffer };
}

export const CHAIN_NAMES: readonly ChainName[] = [
  'bitcoin', 'testnet', 'testnet4', 'signet', 'regtest', 'litecoin', 'litecoin-testnet', 'namecoin',
];

/** 50 coins of 1e8 base units: the initial subsidy of all three coins. */
const FIFTY_COINS = 50 * 100_000_000;

/**
 * Soft forks a Bitcoin-family node must have active for our blocks to be valid as we build
 * them: CLTV (BIP65), CSV (BIP68/112/113) and segwit (BIP141/143/147). Earlier ones (BIP34/66)
 * are implied by these on every chain here.
 */
const BITCOIN_SOFT_FORKS = ['bip65', 'csv', 'segwit'];

/**
 * getblocktemplate rules we understand (BIP9 "rules"): Core lists 'csv', '!segwit' and
 * 'taproot' on current chains, and 'testdummy' on test chains while it is being signalled.
 * Taproot needs nothing from a block builder. A '!'-rule outside the set must be refused (docs/mining.md#how-a-job-is-built).
 */
const BITCOIN_RULES = ['segwit', 'csv', 'taproot', 'testdummy'];

/**
 * Litecoin Core (0.21.2+) refuses getblocktemplate unless the client lists both 'segwit' and
 * 'mweb' ("getblocktemplate must be called with the segwit & mweb rule sets"), and MWEB is
 * active on both its mainnet (2022) and testnet; blocks carry the HogEx transaction the node
 * builds into the template. So a Litecoin node must have mweb, and we must claim the rule.
 */
const LITECOIN_SOFT_FORKS = [...BITCOIN_SOFT_FORKS, 'mweb'];
const LITECOIN_RULES = [...BITCOIN_RULES, 'mweb'];

/** Scrypt share difficulty is shown to miners x 65536 (reference DUMB_SCRYPT_DIFF = 2**16). */
const SCRYPT_DIFFICULTY_MULTIPLIER = 65536;

/**
 * The default signet's block challenge (Core chainparams.cpp, SigNetParams): a 1-of-2 bare
 * multisig, OP_1 <pubkey> <pubkey> OP_2 OP_CHECKMULTISIG. Its message start is the first four
 * bytes of sha256d(compact-size length || challenge), pinned in the tests.
 */
const DEFAULT_SIGNET_CHALLENGE = Buffer.from(
  '512103ad5e0edad18cb1f0fc0d28a3d4f1f3e445640337489abb10404f2d1e086be430' +
    '210359ef5021964fe22d6f8e05b2463c9540ce96883fe3b278760f048f5189f2e6c452ae',
  'hex',
);

function magic(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

const TABLE: Record<ChainName, ChainParams> = {
  bitcoin: {
    name: 'bitcoin',
    coin: 'bitcoin',
    isTestnet: false,
    symbol: 'BTC',
    magic: magic('f9beb4d9'),
    defaultP2pPort: 8333,
    defaultRpcPort: 8332,
    dataDirSubfolder: '',
    pubkeyHashVersion: 0, // '1...'
    scriptHashVersion: 5, // '3...'
    bech32Hrp: 'bc',
    blockPeriod: 600,
    halvingInterval: 210_000,
    initialSubsidy: FIFTY_COINS,
    pow: 'sha256d',
    genesisHash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
    requiredSoftForks: BITCOIN_SOFT_FORKS,
    knownRules: BITCOIN_RULES,
    stratumDifficultyMultiplier: 1,
  },
  testnet: {
    name: 'testnet',
    coin: 'bitcoin',
    isTestnet: true,
    symbol: 'tBTC',
    magic: magic('0b110907'),
    defaultP2pPort: 18333,
    defaultRpcPort: 18332,
    dataDirSubfolder: 'testnet3',
    pubkeyHashVersion: 111, // 'm...' / 'n...'
    scriptHashVersion: 196, // '2...'
    bech32Hrp: 'tb',
    blockPeriod: 600,
    halvingInterval: 210_000,
    initialSubsidy: FIFTY_COINS,
    pow: 'sha256d',
    genesisHash: '000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943',
    requiredSoftForks: BITCOIN_SOFT_FORKS,
    knownRules: BITCOIN_RULES,
    stratumDifficultyMultiplier: 1,
  },
  testnet4: {
    name: 'testnet4',
    coin: 'bitcoin',
    isTestnet: true,
    symbol: 'tBTC',
    magic: magic('1c163f28'),
    defaultP2pPort: 48333,
    defaultRpcPort: 48332,
    dataDirSubfolder: 'testnet4',
    pubkeyHashVersion: 111,
    scriptHashVersion: 196,
    bech32Hrp: 'tb',
    blockPeriod: 600,
    halvingInterval: 210_000,
    initialSubsidy: FIFTY_COINS,
    pow: 'sha256d',
    genesisHash: '00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043',
    requiredSoftForks: BITCOIN_SOFT_FORKS,
    knownRules: BITCOIN_RULES,
    stratumDifficultyMultiplier: 1,
  },
  signet: {
    name: 'signet',
    coin: 'bitcoin',
    isTestnet: true,
    symbol: 'sBTC',
    magic: magic('0a03cf40'),
    defaultP2pPort: 38333,
    defaultRpcPort: 38332,
    dataDirSubfolder: 'signet',
    pubkeyHashVersion: 111,
    scriptHashVersion: 196,
    bech32Hrp: 'tb',
    blockPeriod: 600,
    halvingInterval: 210_000,
    initialSubsidy: FIFTY_COINS,
    pow: 'sha256d',
    genesisHash: '00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6',
    requiredSoftForks: BITCOIN_SOFT_FORKS,
    // Core's signet getblocktemplate requires the client rule 'signet' and lists '!signet'.
    knownRules: [...BITCOIN_RULES, 'signet'],
    stratumDifficultyMultiplier: 1,
    signet: { challenge: DEFAULT_SIGNET_CHALLENGE },
  },
  regtest: {
    name: 'regtest',
    coin: 'bitcoin',
    isTestnet: true,
    symbol: 'rBTC',
    magic: magic('fabfb5da'),
    defaultP2pPort: 18444,
    // Core's regtest RPC port; the reference's btcregtest uses 28332 (its own choice, docs/networks.md#p2pool-networks-sharechains).
    defaultRpcPort: 18443,
    dataDirSubfolder: 'regtest',
    pubkeyHashVersion: 111,
    scriptHashVersion: 196,
    bech32Hrp: 'bcrt',
    blockPeriod: 600,
    halvingInterval: 150, // Core regtest nSubsidyHalvingInterval
    initialSubsidy: FIFTY_COINS,
    pow: 'sha256d',
    genesisHash: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
    requiredSoftForks: BITCOIN_SOFT_FORKS,
    knownRules: BITCOIN_RULES,
    stratumDifficultyMultiplier: 1,
  },
  litecoin: {
    name: 'litecoin',
    coin: 'litecoin',
    isTestnet: false,
    symbol: 'LTC',
    magic: magic('fbc0b6db'),
    defaultP2pPort: 9333,
    defaultRpcPort: 9332,
    dataDirSubfolder: '',
    pubkeyHashVersion: 48, // 'L...'
    // 'M...' (SCRIPT_ADDRESS2, the reference's ADDRESS_P2SH_VERSION). Litecoin Core still decodes
    // the deprecated version-5 '3...' form; we do not, to avoid confusion with Bitcoin.
    scriptHashVersion: 50,
    bech32Hrp: 'ltc',
    blockPeriod: 150, // 2.5 minutes
    halvingInterval: 840_000, // 4 x Bitcoin's, so halvings stay ~4 years apart
    initialSubsidy: FIFTY_COINS,
    pow: 'scrypt',
    genesisHash: '12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2',
    requiredSoftForks: LITECOIN_SOFT_FORKS,
    knownRules: LITECOIN_RULES,
    stratumDifficultyMultiplier: SCRYPT_DIFFICULTY_MULTIPLIER,
  },
  'litecoin-testnet': {
    name: 'litecoin-testnet',
    coin: 'litecoin',
    isTestnet: true,
    symbol: 'tLTC',
    // Litecoin's current testnet ("testnet4"); the reference's ORIG still has the retired
    // testnet3 magic fcc1b7dc, JT has this one (docs/networks.md#p2pool-networks-sharechains).
    magic: magic('fdd2c8f1'),
    defaultP2pPort: 19335,
    defaultRpcPort: 19332,
    dataDirSubfolder: 'testnet4',
    pubkeyHashVersion: 111,
    scriptHashVersion: 58, // 'Q...' (SCRIPT_ADDRESS2)
    bech32Hrp: 'tltc',
    blockPeriod: 150,
    halvingInterval: 840_000,
    initialSubsidy: FIFTY_COINS,
    pow: 'scrypt',
    genesisHash: '4966625a4b2851d9fdee139e56211a0d88575f59ed816ff5e6a63deb4e3e29a0',
    requiredSoftForks: LITECOIN_SOFT_FORKS,
    knownRules: LITECOIN_RULES,
    stratumDifficultyMultiplier: SCRYPT_DIFFICULTY_MULTIPLIER,
  },
  namecoin: {
    name: 'namecoin',
    coin: 'namecoin',
    isTestnet: false,
    symbol: 'NMC',
    magic: magic('f9beb4fe'),
    defaultP2pPort: 8334,
    defaultRpcPort: 8336,
    dataDirSubfolder: '',
    pubkeyHashVersion: 52, // 'N...' / 'M...'
    scriptHashVersion: 13, // '6...'
    bech32Hrp: 'nc',
    blockPeriod: 600,
    halvingInterval: 210_000,
    initialSubsidy: FIFTY_COINS,
    // Namecoin's own PoW is sha256d; merge-mined blocks prove it with the parent's header
    // (AuxPoW), which the aux-chain code checks separately.
    pow: 'sha256d',
    genesisHash: '000000000062b72c5e2ceb45fbc8587e807c155b0da735e6483dfba2f0a9c770',
    requiredSoftForks: BITCOIN_SOFT_FORKS,
    knownRules: BITCOIN_RULES,
    stratumDifficultyMultiplier: 1,
  },
};

for (const params of Object.values(TABLE)) {
  Object.freeze(params.requiredSoftForks);
  Object.freeze(params.knownRules);
  Object.freeze(params);
}

/** Other spellings people use: the reference's net names and Core's datadir names. */
const ALIASES: Readonly<Record<string, ChainName>> = {
  testnet3: 'testnet',
  bitcoin_testnet: 'testnet',
  'bitcoin-testnet': 'testnet',
  btcregtest: 'regtest',
  litecoin_testnet: 'litecoin-testnet',
};

function validNames(): string {
  return [...CHAIN_NAMES, ...Object.keys(ALIASES)].join(', ');
}

function lookup(name: string): ChainName | undefined {
  const key = name.trim().toLowerCase();
  if ((CHAIN_NAMES as readonly string[]).includes(key)) return key as ChainName;
  return ALIASES[key];
}

/** Parameters of a network by name or alias; unknown names throw with the list of valid ones. */
export function getChainParams(name: string): ChainParams {
  const chain = lookup(name);
  if (!chain) throw new Error(`unknown network '${name}' (valid: ${validNames()})`);
  return TABLE[chain];
}

/**
 * Block subsidy at `height`: initialSubsidy >> (height // halvingInterval), 0 after 64
 * halvings (Core GetBlockSubsidy; Litecoin and Namecoin use the same function). The reference's
 * SUBSIDY_FUNC shifts by (height+1)//interval (docs/networks.md#p2pool-networks-sharechains), one block late at each halving; it is
 * only a fallback there, and Core's rule is what the coinbase must satisfy.
 */
export function blockSubsidy(params: ChainParams, height: number): number {
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`height must be a non-negative integer, got ${height}`);
  const halvings = Math.floor(height / params.halvingInterval);
  if (halvings >= 64) return 0;
  // Division by a power of two then floor equals the int64 right shift for these magnitudes.
  return Math.floor(params.initialSubsidy / 2 ** halvings);
}

/** Proof-of-work hash of an 80-byte header (internal byte order): sha256d or scrypt. */
export function powHash(params: ChainParams, header80: Uint8Array): Buffer {
  if (header80.length !== 80) throw new RangeError(`block header must be 80 bytes, got ${header80.length}`);
  return params.pow === 'scrypt' ? scryptPow(header80) : sha256d(header80);
}

/** powHash into `out[0..32]`; for sha256d chains no Buffer is made (a Stratum submit's check). */
export function powHashInto(params: ChainParams, header80: Uint8Array, out: Uint8Array): void {
  if (header80.length !== 80) throw new RangeError(`block header must be 80 bytes, got ${header80.length}`);
  if (params.pow === 'scrypt') out.set(scryptPow(header80), 0);
  else sha256dInto(header80, 0, 80, out, 0);
}

/**
 * The seed's form `--net bitcoin --testnet`: the testnet of a coin (bitcoin -> testnet,
 * litecoin -> litecoin-testnet). Names already naming a testnet pass through. Unknown names
 * throw with the list of valid ones.
 */
export function resolveNetName(net: string, testnet: boolean): ChainName {
  const chain = lookup(net);
  if (!chain) throw new Error(`unknown network '${net}' (valid: ${validNames()})`);
  if (!testnet || TABLE[chain].isTestnet) return chain;
  if (chain === 'bitcoin') return 'testnet';
  if (chain === 'litecoin') return 'litecoin-testnet';
  throw new Error(`network '${net}' has no testnet supported here (valid testnets: testnet, testnet4, signet, regtest, litecoin-testnet)`);
}
