/**
 * `p2pool [options] [RPCUSER RPCPASSWORD]`: run a node (the seed's run_p2pool.py options plus
 * what a modern operator expects). This is the program's default command, so every invocation
 * that names no subcommand lands here.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { cookieFilePath, type RpcAuth } from '../chain/rpc-client.js';
import { getP2PoolNetwork } from '../sharechain/networks.js';
import { createLogger } from '../node/logger.js';
import { P2PoolNode } from '../node/node.js';
import { addNetOptions, netFromOptions, networkDefaultsHelp } from './net-option.js';


interface NodeOptions {
  net?: string;
  testnet?: boolean;
  regtest?: boolean;
  debug?: boolean;
  address?: string;
  datadir?: string;
  logfile?: string;
  mergedUrl?: string[];
  mergedUserpass?: string[];
  giveAuthor: string;
  p2poolPort?: string;
  p2poolNode?: string[];
  disableUpnp?: boolean;
  outgoingConns: string;
  maxConns: string;
  workerPort?: string;
  workerHost: string;
  fee: string;
  bitcoindAddress: string;
  bitcoindRpcPort?: string;
  bitcoindP2pPort?: string;
  bitcoindDatadir?: string;
  bitcoindCookie?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535), got "${value}"`);
  return n;
}

function count(value: string, name: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name} must be a whole number from 0 to ${max}, got "${value}"`);
  return n;
}

function percent(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new Error(`${name} must be a percentage from 0 to 100, got "${value}"`);
  return n;
}

export function registerNodeCommand(program: Command, version: string): void {
  const cmd = program
    .command('run', { isDefault: true })
    .description('run a P2Pool node beside your full node (the default command)')
    .argument('[RPCUSER]', 'bitcoind RPC user name (default: use the cookie file)')
    .argument('[RPCPASSWORD]', 'bitcoind RPC password');
  addNetOptions(cmd);
  cmd
    .option('--regtest', 'shorthand for --net regtest')
    .option('--debug', 'log debugging details')
    .option('-a, --address <ADDRESS>', "payout address (default: one from bitcoind's wallet, cached in the data directory)")
    .option('--datadir <DIR>', 'where shares, logs and the cached address live (default: ~/.p2pool)')
    .option('--logfile <FILE>', 'log file (default: DATADIR/NET/log)')
    .option('--merged-url <URL>', 'merged-mining aux chain RPC URL (getauxblock or createauxblock/submitauxblock), repeatable', collect)
    .option('--merged-userpass <USER:PASS>', 'USER:PASS for the --merged-url at the same position', collect)
    .option('--give-author <PERCENT>', 'donate this percentage of work to the original P2Pool author', '0')
    .option('--p2pool-port <PORT>', "P2P port for other P2Pool nodes (default: the network's)")
    .option('-n, --p2pool-node <ADDR[:PORT]>', 'connect to this P2Pool node and stay connected, repeatable', collect)
    .option('--disable-upnp', "don't map the P2P port on the router with UPnP/NAT-PMP")
    .addOption(new Option('--outgoing-conns <N>', 'outgoing P2P connections besides -n nodes (0-10)').default('6'))
    .addOption(new Option('--max-conns <N>', 'maximum incoming P2P connections').default('40'))
    .option('-w, --worker-port <PORT>', "port for miners (Stratum and getwork) and the web API (default: the network's)")
    .option('--worker-host <HOST>', 'address to listen on for miners', '0.0.0.0')
    .option('-f, --fee <PERCENT>', 'charge miners on this node this percentage (work paying the node address)', '0')
    .option('--bitcoind-address <HOST>', 'bitcoind host', '127.0.0.1')
    .option('--bitcoind-rpc-port <PORT>', "bitcoind JSON-RPC port (default: the network's)")
    .option('--bitcoind-p2p-port <PORT>', "bitcoind P2P port (default: the network's)")
    .option('--bitcoind-datadir <DIR>', "bitcoind's data directory, to find its .cookie (default: ~/.bitcoin or the coin's)")
    .option('--bitcoind-cookie <FILE>', "bitcoind's .cookie file (overrides --bitcoind-datadir)")
    // The defaults that depend on the network, for the --net/--testnet given with --help
    // (run_p2pool.py --net bitcoin --testnet --help showed that network's ports).
    .addHelpText('after', () => networkDefaultsHelp(cmd.opts<NodeOptions>()))
    .action(async (rpcUser: string | undefined, rpcPassword: string | undefined, opts: NodeOptions) => {
      const netName = opts.regtest ? 'regtest' : netFromOptions(opts);
      // Namecoin (a parent chain only) throws what to do instead: merge-mine it with --merged-url.
      const net = getP2PoolNetwork(netName);
      const datadir = opts.datadir ?? join(homedir(), '.p2pool');
      const logfile = opts.logfile ?? join(datadir, net.name, 'log');
      const { log, flush } = createLogger({ logfile, debug: opts.debug === true });
      let auth: RpcAuth;
      if (rpcUser !== undefined && rpcPassword !== undefined) {
        auth = { kind: 'password', user: rpcUser, password: rpcPassword };
      } else if (rpcUser !== undefined) {
        throw new Error('give both RPCUSER and RPCPASSWORD, or neither (to use the cookie file)');
      } else {
        auth = { kind: 'cookie', cookieFile: opts.bitcoindCookie ?? cookieFilePath(net.parent, opts.bitcoindDatadir) };
      }
      // Each --merged-userpass belongs to the --merged-url at the same position (the reference's
      // pairing); credentials may also be inside the URL.
      const userpass = opts.mergedUserpass ?? [];
      if (userpass.length > (opts.mergedUrl?.length ?? 0)) throw new Error('more --merged-userpass than --merged-url options');
      const merged = (opts.mergedUrl ?? []).map((url, i) => ({ url, userpass: userpass[i] }));
      const node = await P2PoolNode.start({
        net,
        datadir,
        bitcoind: {
          host: opts.bitcoindAddress,
          rpcPort: port(opts.bitcoindRpcPort, '--bitcoind-rpc-port') ?? net.parent.defaultRpcPort,
          p2pPort: port(opts.bitcoindP2pPort, '--bitcoind-p2p-port') ?? net.parent.defaultP2pPort,
          auth,
        },
        address: opts.address,
        workerPort: port(opts.workerPort, '--worker-port') ?? net.workerPort,
        workerHost: opts.workerHost,
        feePercent: percent(opts.fee, '--fee'),
        donationPercent: percent(opts.giveAuthor, '--give-author'),
        log,
        version,
        p2p: {
          port: port(opts.p2poolPort, '--p2pool-port') ?? net.p2pPort,
          connect: opts.p2poolNode ?? [],
          // Reference: --outgoing-conns is at most 10.
          outgoingConns: count(opts.outgoingConns, '--outgoing-conns', 10),
          maxConns: count(opts.maxConns, '--max-conns', 100_000),
          disableUpnp: opts.disableUpnp === true,
        },
        merged,
      });
      await new Promise<void>((resolve) => {
        const stop = (sig: string): void => {
          log('info', `${sig} received, shutting down`);
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          void node.stop().finally(() => {
            flush();
            resolve();
          });
        };
        const onInt = (): void => stop('SIGINT');
        const onTerm = (): void => stop('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
    });
}
