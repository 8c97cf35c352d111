/**
 * Parent-chain parameters (the coin the pool mines): bitcoin main/testnet3/testnet4/signet/
 * regtest, litecoin main/testnet, namecoin.
 * STUB: types are final; the table is being filled in.
 */

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

export function getChainParams(_name: string): ChainParams {
  throw new Error('not implemented');
}

/** Block subsidy at `height` (halvings by halvingInterval; 0 after 64 halvings). */
export function blockSubsidy(_params: ChainParams, _height: number): number {
  throw new Error('not implemented');
}

/** Proof-of-work hash of an 80-byte header (internal byte order): sha256d or scrypt. */
export function powHash(_params: ChainParams, _header80: Uint8Array): Buffer {
  throw new Error('not implemented');
}

/**
 * The seed's form `--net bitcoin --testnet`: the testnet of a coin (bitcoin -> testnet,
 * litecoin -> litecoin-testnet). Names already naming a testnet pass through. Unknown names
 * throw with the list of valid ones.
 */
export function resolveNetName(_net: string, _testnet: boolean): ChainName {
  throw new Error('not implemented');
}
