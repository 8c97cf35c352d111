/**
 * From what the operator wrote (command line, config file) to the node's settings, checked
 * before anything starts (docs/operations.md#startup-checks): the network first, then the payout
 * address, then every value. Pure: no file is read or written here, so a bad option never
 * leaves anything behind in the data directory. Command-line options override the config file;
 * the file's `[network]` section overrides its top level.
 *
 * Every error is one line that names where the bad value came from: `--worker-port ...` for
 * the command line, `FILE:LINE: ...` for the config file.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { decodeAddress } from '../bitcoin/address.js';
import { AddressError } from '../bitcoin/errors.js';
import type { ChainParams } from '../bitcoin/chain-params.js';
import { scriptToAddress } from '../bitcoin/address.js';
import { cookieFilePath, type RpcAuth } from '../chain/rpc-client.js';
import type { AuxChainConfig } from '../merged/merged-mining.js';
import { isFairNetName } from '../sharechain/fair/networks.js';
import { getNodeNetwork, isFairNetwork, type NodeNetwork } from '../sharechain/networks.js';
import { checkPayoutAddress } from '../work/miner-address.js';
import { SHARE_VERSION } from '../work/pool-work.js';
import { settingsFor, type ParsedConfig } from './config-file.js';
import { netFromOptions } from './net-option.js';
import { camelKey, LOG_FORMATS, optionSpec, parseBool, valueProblem, type LogFormat } from './node-options.js';

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export interface NodeSettings {
  /** A v35 network or a fair one (docs/operations.md#which-network). */
  net: NodeNetwork;
  /** The config file read, or null. */
  confFile: string | null;
  datadir: string;
  logfile: string;
  /** null: pretty on a terminal, JSON otherwise. */
  logFormat: LogFormat | null;
  debug: boolean;
  address: string | undefined;
  bitcoind: { host: string; rpcPort: number; p2pPort: number; auth: RpcAuth };
  workerPort: number;
  workerHost: string;
  feePercent: number;
  donationPercent: number;
  p2p: { port: number; connect: string[]; outgoingConns: number; maxConns: number; disableUpnp: boolean };
  merged: AuxChainConfig[];
  /**
   * Fair networks: the most payout outputs a coinbase may carry for miners that ask for no class
   * (`--max-coinbase-outputs`; docs/mining.md#coinbase-size-on-the-fair-networks); null: the
   * network's largest class. The v35 rules fix the coinbase: there it has no effect.
   */
  maxCoinbaseOutputs: number | null;
  /** Strings no log line or error may show (RPC password, aux chain credentials). */
  secrets: string[];
}

/** What the command line said: commander's option values and whether each was typed. */
export interface CommandLine {
  values: Record<string, unknown>;
  given(camel: string): boolean;
  rpcUser?: string;
  rpcPassword?: string;
}

/**
 * The share version this node's shares on `net` carry, which decides which payout addresses a
 * share can pay (docs/sharechain.md#payout-addresses): v35 cannot pay taproot; the fair rules'
 * version (64) pays any standard script, taproot included (docs/fair-sharechain.md#validation).
 */
export function payoutShareVersion(net: NodeNetwork): number {
  return isFairNetwork(net) ? net.shareVersion : SHARE_VERSION;
}

interface Value {
  values: string[];
  /** `--key` or `FILE:LINE`. */
  where: string;
  fromFile: boolean;
}

export function resolveSettings(cli: CommandLine, config: ParsedConfig | null, home = homedir()): NodeSettings {
  // 1. The network: from the command line if any of --net/--testnet/--regtest was typed there,
  //    else from the file's top level, else bitcoin.
  const netKeys = ['net', 'testnet', 'regtest'];
  const fromCli = netKeys.some((k) => cli.given(camelKey(k)));
  const top = config?.top;
  const pick = (k: string): Value | undefined => {
    if (fromCli) return cli.given(camelKey(k)) ? cliValue(cli, k) : undefined;
    const s = top?.get(k);
    return s ? { values: s.values, where: s.where, fromFile: true } : undefined;
  };
  const netV = pick('net');
  const testnetV = pick('testnet');
  const regtestV = pick('regtest');
  const netWhere = netV?.where ?? regtestV?.where ?? testnetV?.where ?? '--net';
  let net: NodeNetwork;
  try {
    const asked = netV?.values[0];
    let name: string;
    if (flag(regtestV)) {
      name = 'regtest';
    } else if (asked !== undefined && isFairNetName(asked)) {
      // The fair networks are named with their parent chain; --testnet does not pick among them.
      if (flag(testnetV)) throw new Error(`--testnet does not apply to ${asked}: name the fair network itself (bitcoin-fair, testnet4-fair, signet-fair, regtest-fair)`);
      name = asked;
    } else {
      name = netFromOptions({ net: asked, testnet: flag(testnetV) });
    }
    net = getNodeNetwork(name);
  } catch (e) {
    throw located(netV?.fromFile || regtestV?.fromFile || testnetV?.fromFile ? netWhere : null, e);
  }

  // 2. Everything else in force on that network.
  const fileSettings = config ? settingsFor(config, net.name) : new Map();
  const get = (key: string): Value | undefined => {
    if (cli.given(camelKey(key))) return cliValue(cli, key);
    const s = fileSettings.get(key);
    if (s) return { values: s.values, where: s.where, fromFile: true };
    const v = cli.values[camelKey(key)];
    return v === undefined ? undefined : { values: Array.isArray(v) ? v.map(String) : [String(v)], where: `--${key}`, fromFile: false };
  };
  const one = (key: string): { value: string; where: string; fromFile: boolean } | undefined => {
    const v = get(key);
    if (!v) return undefined;
    const value = v.values.at(-1)!;
    const spec = optionSpec(key)!;
    const problem = valueProblem(spec.kind, value);
    if (problem !== null) throw fail(v, `${key} ${problem}${spec.secret ? '' : `, got "${value}"`}`);
    return { value, where: v.where, fromFile: v.fromFile };
  };
  const text = (key: string): string | undefined => one(key)?.value;
  const num = (key: string): number | undefined => {
    const v = one(key);
    return v === undefined ? undefined : Number(v.value);
  };
  const bool = (key: string): boolean => {
    const v = one(key);
    return v !== undefined && parseBool(v.value) === true;
  };

  // 3. The payout address, before anything else can go wrong.
  const addr = one('address');
  if (addr) checkAddress(addr.value, net, addr.fromFile ? addr.where : null);

  const secrets: string[] = [];
  const datadir = text('datadir') ?? join(home, '.p2pool');
  const logFormat = (text('log-format') as LogFormat | undefined) ?? null;
  if (logFormat !== null && !LOG_FORMATS.includes(logFormat)) throw new SettingsError(`--log-format must be one of ${LOG_FORMATS.join(', ')}`);

  // 4. bitcoind's credentials: the two positional arguments, else the options, else the cookie.
  let auth: RpcAuth;
  const user = cli.rpcUser ?? text('bitcoind-rpc-user');
  const password = cli.rpcUser !== undefined ? cli.rpcPassword : text('bitcoind-rpc-password');
  if (user !== undefined && password !== undefined) {
    auth = { kind: 'password', user, password };
    secrets.push(password);
  } else if (user !== undefined || password !== undefined) {
    throw new SettingsError('give both RPCUSER and RPCPASSWORD (or bitcoind-rpc-user and bitcoind-rpc-password), or neither to use the cookie file');
  } else {
    auth = { kind: 'cookie', cookieFile: text('bitcoind-cookie') ?? cookieFilePath(net.parent, text('bitcoind-datadir')) };
  }

  // 5. Merged mining: each --merged-userpass belongs to the --merged-url at the same position.
  const urls = get('merged-url')?.values ?? [];
  const userpass = get('merged-userpass')?.values ?? [];
  if (userpass.length > urls.length) throw new SettingsError('more merged-userpass than merged-url options');
  const merged: AuxChainConfig[] = urls.map((url, i) => ({ url, userpass: userpass[i] }));
  for (const u of userpass) secrets.push(u, u.slice(u.indexOf(':') + 1));
  for (const url of urls) secrets.push(...urlSecrets(url));

  const workerPort = num('worker-port') ?? net.workerPort;
  const p2pPort = num('p2pool-port') ?? net.p2pPort;
  if (workerPort !== 0 && workerPort === p2pPort) {
    throw new SettingsError(`the worker port and the P2Pool port are both ${workerPort}: give them different ports (-w, --p2pool-port)`);
  }
  // Read on every network (one config file may serve several); only the fair rules use it.
  const maxOutputs = one('max-coinbase-outputs');
  const connect = get('p2pool-node')?.values ?? [];
  for (const c of connect) {
    if (!/^[A-Za-z0-9.:[\]_-]+$/.test(c)) throw fail(get('p2pool-node')!, `p2pool-node must be ADDR[:PORT], got "${c}"`);
  }

  return {
    net,
    confFile: config?.file ?? null,
    datadir,
    logfile: text('logfile') ?? join(datadir, net.name, 'log'),
    logFormat,
    debug: bool('debug'),
    address: addr?.value,
    bitcoind: {
      host: text('bitcoind-address') ?? '127.0.0.1',
      rpcPort: num('bitcoind-rpc-port') ?? net.parent.defaultRpcPort,
      p2pPort: num('bitcoind-p2p-port') ?? net.parent.defaultP2pPort,
      auth,
    },
    workerPort,
    workerHost: text('worker-host') ?? '0.0.0.0',
    feePercent: num('fee') ?? 0,
    donationPercent: num('give-author') ?? 0,
    p2p: {
      port: p2pPort,
      connect,
      outgoingConns: num('outgoing-conns') ?? 6,
      maxConns: num('max-conns') ?? 40,
      disableUpnp: bool('disable-upnp'),
    },
    merged,
    maxCoinbaseOutputs: maxOutputs ? Number(maxOutputs.value) : null,
    secrets: [...new Set(secrets.filter((s) => s.length >= 4))],
  };
}

function cliValue(cli: CommandLine, key: string): Value {
  const v = cli.values[camelKey(key)];
  const values = Array.isArray(v) ? v.map(String) : typeof v === 'boolean' ? [v ? '1' : '0'] : [String(v)];
  return { values, where: `--${key}`, fromFile: false };
}

function flag(v: Value | undefined): boolean {
  if (!v) return false;
  const b = parseBool(v.values.at(-1)!);
  if (b === null) throw fail(v, `${v.where.startsWith('--') ? v.where.slice(2) : 'value'} must be 1 or 0`);
  return b;
}

function fail(v: Value, msg: string): SettingsError {
  return new SettingsError(v.fromFile ? `${v.where}: ${msg}` : `--${msg}`);
}

function located(where: string | null, e: unknown): SettingsError {
  const msg = e instanceof Error ? e.message : String(e);
  return new SettingsError(where === null ? msg : `${where}: ${msg}`);
}

/** user:password inside an aux chain URL. */
function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return [u.password ? decodeURIComponent(u.password) : '', u.password].filter((s) => s !== '');
  } catch {
    return [];
  }
}

/** First characters of this chain's address forms, for "expected ..." in an error. */
export function expectedAddressForms(chain: ChainParams, taproot = false): string {
  const zero = Buffer.alloc(20);
  const p2pkh = scriptToAddress(Buffer.concat([Buffer.from([0x76, 0xa9, 0x14]), zero, Buffer.from([0x88, 0xac])]), chain);
  const p2sh = scriptToAddress(Buffer.concat([Buffer.from([0xa9, 0x14]), zero, Buffer.from([0x87])]), chain);
  const forms = [`P2PKH (${p2pkh?.[0] ?? '?'}...)`, `P2SH (${p2sh?.[0] ?? '?'}...)`];
  if (chain.bech32Hrp !== null) forms.push(`segwit v0 (${chain.bech32Hrp}1q...)`);
  if (chain.bech32Hrp !== null && taproot) forms.push(`taproot (${chain.bech32Hrp}1p...)`);
  return `a ${chain.name} ${forms.slice(0, -1).join(', ')} or ${forms.at(-1)} address`;
}

/**
 * The payout address against the network and the share version its shares carry. Invalid, or
 * for another network: one line naming what was expected. Valid but unpayable (taproot on a
 * v35 network): one line saying why.
 */
export function checkAddress(address: string, net: NodeNetwork, where: string | null): void {
  const prefix = where === null ? '' : `${where}: `;
  const shown = address.length > 100 ? `${address.slice(0, 97)}...` : address;
  try {
    decodeAddress(address, net.parent);
  } catch (e) {
    if (!(e instanceof AddressError)) throw e;
    throw new SettingsError(`${prefix}payout address "${shown}" is not usable on ${net.name}: ${e.message}; expected ${expectedAddressForms(net.parent, isFairNetwork(net))}`);
  }
  const check = checkPayoutAddress(address, net.parent, payoutShareVersion(net));
  if (!check.ok) throw new SettingsError(`${prefix}payout address ${shown} cannot be used on ${net.name}: ${check.reason}`);
}
