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
