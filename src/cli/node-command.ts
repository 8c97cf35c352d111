/**
 * `p2pool [options] [RPCUSER RPCPASSWORD]`: run a node (the seed's run_p2pool.py options plus
 * what a modern operator expects). This is the program's default command, so every invocation
 * that names no subcommand lands here.
 *
 * Startup (docs/operations.md#startup-checks): the config file is read and every setting checked
 * (network, then the payout address, then the rest), then the files the node will use; only
 * then is anything written (the log file, the data directory). Any problem before the node
 * starts is one line and exit code 1.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { CHAIN_NAMES } from '../bitcoin/chain-params.js';
import { FAIR_NET_NAMES } from '../sharechain/fair/networks.js';
import { isFairNetwork } from '../sharechain/networks.js';
import { readCookie } from '../chain/rpc-client.js';
import { createLogger, makeScrubber } from '../node/logger.js';
import { parseConfig, readConfigText, type ParsedConfig } from './config-file.js';
import { networkDefaultsHelp } from './net-option.js';
import { NODE_OPTIONS } from './node-options.js';
import { resolveSettings, type CommandLine, type NodeSettings } from './node-settings.js';
import { checkFiles } from './startup-checks.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The config file: --conf FILE (must be readable), else DATADIR/p2pool.conf when it exists. */
function loadConfig(cli: CommandLine, confOption: string | undefined): ParsedConfig | null {
  const datadir = cli.given('datadir') ? String(cli.values['datadir']) : join(homedir(), '.p2pool');
  const path = confOption ?? join(datadir, 'p2pool.conf');
  const text = readConfigText(path, confOption === undefined);
  return text === null ? null : parseConfig(text, path);
}

/** The cookie's password, so no log line can show it even if something echoes it. */
function cookieSecret(s: NodeSettings): string[] {
  if (s.bitcoind.auth.kind !== 'cookie') return [];
  try {
    const c = readCookie(s.bitcoind.auth.cookieFile);
    return [c.password, Buffer.from(`${c.user}:${c.password}`).toString('base64')];
  } catch {
    return [];
  }
}

function basicAuthSecret(s: NodeSettings): string[] {
  const a = s.bitcoind.auth;
  return a.kind === 'password' ? [Buffer.from(`${a.user}:${a.password}`).toString('base64')] : [];
}

/** `--conf` and every option of node-options.ts on `cmd` (the node command, and tests). */
export function addNodeOptions(cmd: Command): Command {
  cmd.option('--conf <FILE>', 'config file (default: DATADIR/p2pool.conf if it exists); options given here override it');
  for (const o of NODE_OPTIONS) {
    const flags = `${o.short ? `-${o.short}, ` : ''}--${o.key}${o.arg ? ` <${o.arg}>` : ''}`;
    const opt = new Option(flags, o.description);
    if (o.key === 'net') opt.choices([...CHAIN_NAMES, ...FAIR_NET_NAMES]);
    if (o.defaultValue !== undefined) opt.default(o.defaultValue);
    if (o.repeatable) opt.argParser(collect);
    cmd.addOption(opt);
  }
  return cmd;
}

/** What commander parsed, as node-settings.ts reads it. */
export function commandLineOf(cmd: Command, rpcUser: string | undefined, rpcPassword: string | undefined): CommandLine {
  return { values: cmd.opts(), given: (k) => cmd.getOptionValueSource(k) === 'cli', rpcUser, rpcPassword };
}

export function registerNodeCommand(program: Command, version: string): void {
  const cmd = program
    .command('run', { isDefault: true })
    .description('run a P2Pool node beside your full node (the default command)')
    .argument('[RPCUSER]', 'bitcoind RPC user name (default: use the cookie file)')
    .argument('[RPCPASSWORD]', 'bitcoind RPC password');
  addNodeOptions(cmd)
    // The defaults that depend on the network, for the --net/--testnet given with --help
    // (run_p2pool.py --net bitcoin --testnet --help showed that network's ports).
    .addHelpText('after', () => networkDefaultsHelp(cmd.opts()))
    .action(async (rpcUser: string | undefined, rpcPassword: string | undefined) => {
      const secrets: string[] = rpcPassword !== undefined ? [rpcPassword] : [];
      try {
        await runNode(commandLineOf(cmd, rpcUser, rpcPassword), version, secrets);
      } catch (e) {
        // The one-line error main.ts prints passes the same scrubbing as the log.
        throw new Error(makeScrubber(secrets)(e instanceof Error ? e.message : String(e)));
      }
    });
}

async function runNode(cli: CommandLine, version: string, secrets: string[]): Promise<void> {
  const config = loadConfig(cli, cli.given('conf') ? String(cli.values['conf']) : undefined);
  const settings = resolveSettings(cli, config);
  secrets.push(...settings.secrets, ...basicAuthSecret(settings));
  checkFiles(settings);
  secrets.push(...cookieSecret(settings));

  // Nothing has been written until here.
  const logger = createLogger({ logfile: settings.logfile, debug: settings.debug, console: settings.logFormat, secrets });
  const { log } = logger;
  if (settings.confFile) log('info', `config file ${settings.confFile}`);
  if (settings.maxCoinbaseOutputs !== null && !isFairNetwork(settings.net)) {
    log('warn', `max-coinbase-outputs has no effect on ${settings.net.name}: the v35 rules pay every miner of the window (docs/mining.md#coinbase-size-and-miners-firmware)`);
  }
  // SIGINT/SIGTERM stop the node cleanly (systemd's stop is a SIGTERM), also while it starts:
  // then it stops as soon as it has started. A second Ctrl-C while stopping exits at once.
  let signalled: string | null = null;
  let onSignal: (sig: string) => void = (sig) => {
    signalled = sig;
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    // Loaded only now, so a bad option is refused without loading the whole node.
    const { P2PoolNode } = await import('../node/node.js');
    const node = await P2PoolNode.start({
      net: settings.net,
      datadir: settings.datadir,
      bitcoind: settings.bitcoind,
      address: settings.address,
      workerPort: settings.workerPort,
      workerHost: settings.workerHost,
      feePercent: settings.feePercent,
      donationPercent: settings.donationPercent,
      log,
      logger,
      version,
      p2p: settings.p2p,
      merged: settings.merged,
      maxCoinbaseOutputs: settings.maxCoinbaseOutputs ?? undefined,
    });
    await new Promise<void>((resolve) => {
      onSignal = (sig) => {
        onSignal = () => process.exit(1);
        log('info', `${sig} received, shutting down`);
        void node.stop().finally(() => {
          logger.flush();
          resolve();
        });
      };
      if (signalled !== null) onSignal(signalled);
    });
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    logger.flush();
  }
}
