/**
 * What the pool asks of the user's full node over RPC (docs/bitcoind.md): the startup checks,
 * block templates, block submission, a payout address from the wallet, and block heights.
 *
 * Written for Bitcoin Core (and Litecoin/Namecoin Core, which answer the same way); bcoin is
 * accepted where it differs (string version, pre-0.19 soft fork lists, "rejected: " prefixes),
 * see docs/bitcoind.md.
 */
import type { ChainName, ChainParams } from '../bitcoin/chain-params.js';
import { displayHexToHash, hashToDisplayHex, toHex } from '../bitcoin/hex.js';
import { checkTemplateRules, parseBlockTemplate, type BlockTemplate } from './block-template.js';
import { BitcoindCheckError, RPC_INVALID_ADDRESS_OR_KEY, RPC_INVALID_PARAMETER, RpcError } from './errors.js';
import { silentLog, type LogFn } from './log.js';
import type { RpcClient } from './rpc-client.js';

/**
 * 0.13.1: the first Core with segwit and BIP145 getblocktemplate (`rules`, `weight`,
 * `default_witness_commitment`). Core numbers versions as MMmmpp (0.13.1 = 130100, 29.0 = 290000).
 */
export const MIN_NODE_VERSION = 130100;

/** Submitting a 4 MB block to a busy node can take a while; it must not be cut short. */
const SUBMIT_TIMEOUT_MS = 120_000;
/** Heights of this many blocks are cached (a block's height never changes: it is fixed by its parent chain). */
const HEIGHT_CACHE_SIZE = 10_000;

export type SoftForkState = 'active' | 'inactive' | 'unknown';

export interface NodeCheckReport {
  /** The node's own chain name (Core: main, test, testnet4, signet, regtest). */
  chain: string;
  /** Core: MMmmpp number; bcoin: a string like "v1.0.2". */
  version: number | string;
  subversion: string;
  blocks: number;
  headers: number;
  initialBlockDownload: boolean;
  pruned: boolean;
  softForks: Record<string, SoftForkState>;
  /** Things an operator should know that do not stop the node. */
  warnings: string[];
}

export interface BlockHeaderInfo {
  /** Internal byte order. */
  hash: Buffer;
  height: number;
  /** Internal byte order; null for the genesis block. */
  previousBlockHash: Buffer | null;
  time: number;
  /** Blocks on top of it in the node's best chain (-1 if not in the best chain). */
  confirmations: number;
}

export interface BitcoindOptions {
  rpc: RpcClient;
  chain: ChainParams;
  log?: LogFn;
  /** Rules we tell getblocktemplate we support (default: templateRequestRules(chain)). */
  requestRules?: string[];
  /** RPC path for wallet calls (`/wallet/NAME` on a Core node with several wallets). */
  walletPath?: string;
}

/** The names Core's getblockchaininfo uses for each of our networks (bcoin says "testnet"). */
const NODE_CHAIN_NAMES: Record<ChainName, string[]> = {
  bitcoin: ['main'],
  testnet: ['test', 'testnet'],
  testnet4: ['testnet4'],
  signet: ['signet'],
  regtest: ['regtest'],
  litecoin: ['main'],
  'litecoin-testnet': ['test', 'testnet'],
  namecoin: ['main'],
};

/**
 * The client rules getblocktemplate needs on each chain. Core refuses a template without
 * 'segwit' ("getblocktemplate must be called with the segwit rule set"), on signet also
 * without 'signet', and Litecoin Core without 'mweb' ("... with the segwit & mweb rule sets").
 * With 'mweb' Litecoin Core lists the HogEx and gives the MWEB block as `mweb`, which
 * chain/block-template.ts keeps for the block (BlockTemplate.mwebSuffix).
 */
export function templateRequestRules(chain: ChainParams): string[] {
  const rules = ['segwit'];
  if (chain.signet !== undefined) rules.push('signet');
  if (chain.knownRules.includes('mweb')) rules.unshift('mweb');
  return rules;
}

/**
 * Signet blocks need a signature from the chain's configured signers (BIP325), which a pool
 * cannot make: said once at startup so nobody waits for blocks that cannot be accepted.
 * `challenge` is what the node reports (getblockchaininfo `signet_challenge`), when it does.
 */
export function signetNotice(chain: ChainParams, challenge?: string): string | null {
  if (chain.signet === undefined) return null;
  // BIP325: a challenge of just OP_TRUE (0x51) is satisfied by an empty solution.
  if (challenge === '51') return 'signet: this signet\'s challenge is OP_TRUE, so blocks found here can be accepted';
  return 'signet: only the signet\'s configured signers can make blocks (BIP325 block signature); a block found ' +
    'here cannot be accepted unless the node\'s signet challenge is trivial (-signetchallenge=51). ' +
    'Shares, payouts and the sharechain work as on any network';
}

export class Bitcoind {
  readonly rpc: RpcClient;
  readonly chain: ChainParams;
  private readonly log: LogFn;
  private readonly requestRules: string[];
  private readonly walletPath: string | undefined;
  private readonly heights = new Map<string, number>();

  constructor(opts: BitcoindOptions) {
    this.rpc = opts.rpc;
    this.chain = opts.chain;
    this.log = opts.log ?? silentLog;
    this.requestRules = opts.requestRules ?? templateRequestRules(opts.chain);
    this.walletPath = opts.walletPath;
  }

  /**
   * Startup checks (docs/bitcoind.md; the reference's `helper.check`): the genesis block and chain name match our
   * network, the version is new enough, the required soft forks exist. Throws BitcoindCheckError
   * for anything that would make us mine on the wrong chain or make invalid blocks; returns
   * warnings for the rest (initial download, pruning, forks not active yet on a test network).
   */
  async checkNode(): Promise<NodeCheckReport> {
    const info = obj(await this.rpc.call('getblockchaininfo'), 'getblockchaininfo');
    const net = obj(await this.rpc.call('getnetworkinfo'), 'getnetworkinfo');
    const warnings: string[] = [];

    const chainName = typeof info['chain'] === 'string' ? info['chain'] : '?';
    const expected = NODE_CHAIN_NAMES[this.chain.name];
    if (!expected.includes(chainName)) {
      throw new BitcoindCheckError(`bitcoind is on chain "${chainName}" but p2pool was started for ${this.chain.name} ` +
        `(expects "${expected[0]}"): point p2pool at the right node or pass the right --net`);
    }
    const genesis = await this.rpc.call('getblockhash', [0]);
    if (this.chain.genesisHash && genesis !== this.chain.genesisHash) {
      throw new BitcoindCheckError(`bitcoind's genesis block is ${String(genesis)}, not ${this.chain.genesisHash} of ${this.chain.name}: ` +
        'this node is for another coin or network');
    }

    const version = net['version'];
    const subversion = typeof net['subversion'] === 'string' ? net['subversion'] : '';
    if (typeof version === 'number') {
      if (version < MIN_NODE_VERSION) {
        throw new BitcoindCheckError(`bitcoind version ${version} (${subversion}) is too old: segwit mining needs 0.13.1 or newer; please upgrade`);
      }
    } else if (typeof version === 'string') {
      // bcoin reports "v1.0.2"; its capabilities are checked through the soft forks instead.
      warnings.push(`bitcoind reports a non-numeric version "${version}" (${subversion}); not Bitcoin Core, version check skipped`);
    } else {
      throw new BitcoindCheckError('getnetworkinfo has no version: is this a Bitcoin node?');
    }

    const softForks = await this.readSoftForks(info);
    for (const fork of this.chain.requiredSoftForks) {
      const state = softForks[fork] ?? 'unknown';
      if (state === 'active') continue;
      if (state === 'unknown') {
        throw new BitcoindCheckError(`bitcoind does not know the soft fork "${fork}" that ${this.chain.name} requires: upgrade the node`);
      }
      // Known but not active: on a main network that means a broken or ancient chain. A young
      // test chain (bcoin regtest enforces BIP65 only from height 1351) activates it later.
      const msg = `soft fork "${fork}" is not active yet on bitcoind's ${chainName} chain (height ${String(info['blocks'])})`;
      if (!this.chain.isTestnet) throw new BitcoindCheckError(`${msg}: refusing to mine`);
      warnings.push(msg);
    }

    const signet = signetNotice(this.chain, typeof info['signet_challenge'] === 'string' ? info['signet_challenge'] : undefined);
    if (signet !== null) warnings.push(signet);

    const initialBlockDownload = info['initialblockdownload'] === true;
    if (initialBlockDownload) warnings.push('bitcoind is still in initial block download: work starts once it has caught up');
    const pruned = info['pruned'] === true;
    if (pruned) {
      warnings.push('bitcoind is pruned: fine for p2pool (it needs templates and headers only), ' +
        'but old blocks cannot be looked at on this node');
    }
    for (const w of warnings) this.log('warn', w);

    return {
      chain: chainName,
      version: version as number | string,
      subversion,
      blocks: typeof info['blocks'] === 'number' ? info['blocks'] : 0,
      headers: typeof info['headers'] === 'number' ? info['headers'] : 0,
      initialBlockDownload,
      pruned,
      softForks,
      warnings,
    };
  }

  /** getblocktemplate, parsed, validated and checked against the rules we understand. */
  async getBlockTemplate(opts: { longPollId?: string; timeoutMs?: number } = {}): Promise<BlockTemplate> {
    const request: Record<string, unknown> = { rules: this.requestRules };
    if (opts.longPollId !== undefined) request['longpollid'] = opts.longPollId;
    const raw = await this.rpc.call('getblocktemplate', [request], opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs });
    const template = parseBlockTemplate(raw);
    checkTemplateRules(template, this.chain.knownRules);
    return template;
  }

  /**
   * submitblock with the full (witness) serialization. Resolves with null when the node
   * accepted the block, else with its reason string: Core's reject strings as they are
   * ("high-hash", "bad-cb-amount", "duplicate", "inconclusive", ...); bcoin's "rejected: X"
   * is reduced to X so both count under the same names.
   */
  async submitBlock(block: Uint8Array): Promise<string | null> {
    const result = await this.rpc.call('submitblock', [toHex(block)], { timeoutMs: SUBMIT_TIMEOUT_MS });
    if (result === null || result === undefined) return null;
    const text = typeof result === 'string' ? result : JSON.stringify(result);
    return text.startsWith('rejected: ') ? text.slice('rejected: '.length) : text;
  }

  /**
   * A fresh bech32 (segwit v0) address from the node's wallet. bech32 explicitly: share v35
   * cannot carry taproot (bech32m) payouts, and newer wallets may default to it.
   */
  async getNewAddress(): Promise<string> {
    const opts = this.walletPath === undefined ? {} : { path: this.walletPath };
    let result: unknown;
    try {
      result = await this.rpc.call('getnewaddress', ['p2pool', 'bech32'], opts);
    } catch (e) {
      if (e instanceof RpcError && e.isMethodNotFound) {
        throw new BitcoindCheckError('bitcoind has no wallet RPC (getnewaddress): give a payout address with -a ADDRESS');
      }
      throw e;
    }
    if (typeof result !== 'string' || result.length === 0 || result.length > 128) {
      throw new BitcoindCheckError(`getnewaddress returned ${JSON.stringify(result)}, not an address`);
    }
    return result;
  }

  /** validateaddress: whether the node thinks `address` is valid (and its wallet owns it, if it says). */
  async validateAddress(address: string): Promise<{ isValid: boolean; isMine: boolean | null }> {
    const r = obj(await this.rpc.call('validateaddress', [address]), 'validateaddress');
    return { isValid: r['isvalid'] === true, isMine: typeof r['ismine'] === 'boolean' ? r['ismine'] : null };
  }

  async getBestBlockHash(): Promise<Buffer> {
    const r = await this.rpc.call('getbestblockhash');
    if (typeof r !== 'string') throw new BitcoindCheckError('getbestblockhash did not return a hash');
    return displayHexToHash(r);
  }

  /**
   * Hash (internal order) of the block at `height` in the node's best chain, or null when the
   * chain is not that long (Core and bcoin: -8 "Block height out of range").
   */
  async getBlockHash(height: number): Promise<Buffer | null> {
    let r: unknown;
    try {
      r = await this.rpc.call('getblockhash', [height]);
    } catch (e) {
      if (e instanceof RpcError && e.code === RPC_INVALID_PARAMETER) return null;
      throw e;
    }
    if (typeof r !== 'string') throw new BitcoindCheckError('getblockhash did not return a hash');
    return displayHexToHash(r);
  }

  /** getblockheader (works on pruned nodes); null if the node does not know the block. */
  async getBlockHeader(hash: Uint8Array): Promise<BlockHeaderInfo | null> {
    let r: Record<string, unknown>;
    try {
      r = obj(await this.rpc.call('getblockheader', [hashToDisplayHex(hash), true]), 'getblockheader');
    } catch (e) {
      // Core: -5 "Block not found"; bcoin: -1 with the same message.
      if (e instanceof RpcError && (e.code === RPC_INVALID_ADDRESS_OR_KEY || e.nodeMessage === 'Block not found')) return null;
      throw e;
    }
    const height = r['height'];
    if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 0) {
      throw new BitcoindCheckError('getblockheader answered without a valid height');
    }
    this.rememberHeight(hash, height);
    const prev = r['previousblockhash'];
    return {
      hash: Buffer.from(hash),
      height,
      previousBlockHash: typeof prev === 'string' ? displayHexToHash(prev) : null,
      time: typeof r['time'] === 'number' ? r['time'] : 0,
      confirmations: typeof r['confirmations'] === 'number' ? r['confirmations'] : -1,
    };
  }

  /** Height of a block (cached), or null if the node does not know it. */
  async getBlockHeight(hash: Uint8Array): Promise<number | null> {
    const cached = this.cachedHeight(hash);
    if (cached !== null) return cached;
    const header = await this.getBlockHeader(hash);
    return header === null ? null : header.height;
  }

  /**
   * A height already learned, without a round trip: the sharechain asks for heights of many
   * shares' previous blocks when it scores chains (reference height_tracker), synchronously.
   */
  cachedHeight(hash: Uint8Array): number | null {
    return this.heights.get(Buffer.from(hash).toString('hex')) ?? null;
  }

  private rememberHeight(hash: Uint8Array, height: number): void {
    const key = Buffer.from(hash).toString('hex');
    if (this.heights.size >= HEIGHT_CACHE_SIZE && !this.heights.has(key)) {
      // Drop the oldest entry (Map keeps insertion order).
      const oldest = this.heights.keys().next().value;
      if (oldest !== undefined) this.heights.delete(oldest);
    }
    this.heights.set(key, height);
  }

  /**
   * Soft fork states from getdeploymentinfo (Core >= 23), else getblockchaininfo's `softforks`
   * as an object (Core 0.19-22) or as a list plus `bip9_softforks` (Core <= 0.18, and bcoin).
   */
  private async readSoftForks(info: Record<string, unknown>): Promise<Record<string, SoftForkState>> {
    const out: Record<string, SoftForkState> = {};
    let deployments: unknown = undefined;
    try {
      deployments = obj(await this.rpc.call('getdeploymentinfo'), 'getdeploymentinfo')['deployments'];
    } catch (e) {
      if (!(e instanceof RpcError && e.isMethodNotFound)) throw e;
    }
    const fromObject = (o: unknown): void => {
      if (typeof o !== 'object' || o === null || Array.isArray(o)) return;
      for (const [name, d] of Object.entries(o as Record<string, unknown>)) {
        const dd = (d ?? {}) as Record<string, unknown>;
        const bip9 = (dd['bip9'] ?? {}) as Record<string, unknown>;
        out[name] = dd['active'] === true || bip9['status'] === 'active' || dd['status'] === 'active' ? 'active' : 'inactive';
      }
    };
    if (deployments !== undefined) {
      fromObject(deployments);
      return out;
    }
    const softforks = info['softforks'];
    if (Array.isArray(softforks)) {
      // Pre-0.19 form: reject.status true means blocks of the old version are rejected (enforced).
      for (const f of softforks) {
        const ff = (f ?? {}) as Record<string, unknown>;
        const reject = (ff['reject'] ?? {}) as Record<string, unknown>;
        if (typeof ff['id'] === 'string') out[ff['id']] = reject['status'] === true ? 'active' : 'inactive';
      }
    } else {
      fromObject(softforks);
    }
    fromObject(info['bip9_softforks']);
    return out;
  }
}

function obj(v: unknown, method: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new BitcoindCheckError(`bitcoind ${method} returned ${JSON.stringify(v)?.slice(0, 80)}, not an object`);
  }
  return v as Record<string, unknown>;
}
