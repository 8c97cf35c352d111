/**
 * The `--net NAME [--testnet]` pair every command takes.
 *
 * Names are ours (bitcoin, testnet, testnet4, signet, regtest, litecoin, litecoin-testnet,
 * namecoin); `--testnet` is the seed's form (run_p2pool.py `--net bitcoin --testnet`), which
 * bitcoin/chain-params.ts resolves to the coin's testnet. Keeping both options in one place
 * means every command spells, documents and validates them the same way.
 */
import { Option, type Command } from 'commander';
import { CHAIN_NAMES, getChainParams, resolveNetName, type ChainName, type ChainParams } from '../bitcoin/chain-params.js';
import { signetNotice } from '../chain/bitcoind.js';
import { getFairNetwork, isFairNetName } from '../sharechain/fair/networks.js';
import { getP2PoolNetwork } from '../sharechain/networks.js';

/** The option values commander hands an action for the pair. */
export interface NetOptionValues {
  net?: string;
  testnet?: boolean;
}

export interface NetOptionSettings {
  /** The network when `--net` is absent (the seed's default is bitcoin). Ignored when required. */
  defaultNet?: ChainName;
  /** `--net` must be given (used where guessing the network would mislead, e.g. addresses). */
  required?: boolean;
}

/** Add `--net NAME` and `--testnet` to a command. */
export function addNetOptions(cmd: Command, settings: NetOptionSettings = {}): Command {
  const net = new Option('--net <name>', 'parent network').choices(CHAIN_NAMES);
  if (settings.required) net.makeOptionMandatory();
  else net.default(settings.defaultNet ?? 'bitcoin');
  return cmd
    .addOption(net)
    .addOption(new Option('--testnet', "use the network's testnet (the seed's form: --net bitcoin --testnet)"));
}

/** The network the user asked for; unknown names throw with the list of valid ones. */
export function netFromOptions(values: NetOptionValues, defaultNet: ChainName = 'bitcoin'): ChainName {
  return resolveNetName(values.net ?? defaultNet, values.testnet === true);
}

/** Parameters of the network the user asked for. */
export function chainFromOptions(values: NetOptionValues, defaultNet: ChainName = 'bitcoin'): ChainParams {
  return getChainParams(netFromOptions(values, defaultNet));
}

/**
 * The node's network-dependent defaults, for `p2pool --net NAME [--testnet] --help` (the seed's
 * run_p2pool.py showed the chosen network's ports in its help): ports, share constants, the
 * parent chain's address forms. Namecoin, a parent chain only, says what to do instead.
 */
export function networkDefaultsHelp(values: NetOptionValues & { regtest?: boolean }): string {
  if (values.regtest !== true && values.net !== undefined && isFairNetName(values.net)) return fairNetworkHelp(values.net);
  let name: ChainName;
  try {
    name = values.regtest === true ? 'regtest' : netFromOptions(values);
  } catch (e) {
    return `\n${e instanceof Error ? e.message : String(e)}\n`;
  }
  const chain = getChainParams(name);
  const lines = [
    '',
    `Defaults for --net ${name} (${chain.symbol}, ${chain.pow} proof of work${chain.stratumDifficultyMultiplier === 1 ? '' : `, Stratum difficulty x${chain.stratumDifficultyMultiplier}`}):`,
    `  bitcoind: RPC port ${chain.defaultRpcPort}, P2P port ${chain.defaultP2pPort}, cookie in ${chain.dataDirSubfolder === '' ? 'the datadir' : `the datadir's ${chain.dataDirSubfolder}/`}`,
    `  addresses: P2PKH version ${chain.pubkeyHashVersion}, P2SH version ${chain.scriptHashVersion}${chain.bech32Hrp === null ? '' : `, bech32 "${chain.bech32Hrp}1..."`}`,
  ];
  try {
    const net = getP2PoolNetwork(name);
    lines.push(
      `  P2Pool: P2P port ${net.p2pPort}, worker port ${net.workerPort}, a share every ${net.sharePeriod} s, ` +
        `chain length ${net.chainLength}, identifier ${net.identifier.toString('hex')}${net.ours ? ' (ours; no reference network)' : ''}`,
    );
  } catch (e) {
    lines.push(`  ${e instanceof Error ? e.message : String(e)}`);
  }
  const signet = signetNotice(chain);
  if (signet !== null) lines.push(`  ${signet}`);
  return `${lines.join('\n')}\n`;
}

/** `p2pool --net NAME-fair --help`: the fair network's ports, periods, classes and identity. */
function fairNetworkHelp(name: string): string {
  const net = getFairNetwork(name);
  const chain = net.parent;
  const lines = [
    '',
    `Defaults for --net ${net.name} (the fair sharechain rules, share version ${net.shareVersion}, on ${chain.name}; docs/fair-sharechain.md):`,
    `  bitcoind: RPC port ${chain.defaultRpcPort}, P2P port ${chain.defaultP2pPort}, cookie in ${chain.dataDirSubfolder === '' ? 'the datadir' : `the datadir's ${chain.dataDirSubfolder}/`}`,
    `  addresses: P2PKH, P2SH, segwit v0 and taproot${chain.bech32Hrp === null ? '' : ` ("${chain.bech32Hrp}1q...", "${chain.bech32Hrp}1p...")`}`,
    `  P2Pool: P2P port ${net.p2pPort}, worker port ${net.workerPort}, a link every ${net.linkPeriod} s, window ${net.windowLinks} links, ` +
      `payout-output classes ${net.outputClasses.join(', ')}, identifier ${net.identifier.toString('hex')}`,
  ];
  const signet = signetNotice(chain);
  if (signet !== null) lines.push(`  ${signet}`);
  return `${lines.join('\n')}\n`;
}
