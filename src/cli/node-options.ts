/**
 * The node's options, once: each has a long command-line form (`--worker-port 9332`) and the
 * same name as a config-file key (`worker-port=9332`), a kind that says how its value is read,
 * and where it may appear in a config file. node-command.ts registers them with commander;
 * config-file.ts checks a file's keys and values against the same table, so the two forms
 * can never drift apart (docs/operations.md#the-config-file).
 */

/** How a value is read (the same checks on the command line and in a file). */
export type OptionKind =
  | { type: 'string' }
  | { type: 'port' }
  | { type: 'bool' }
  | { type: 'percent' }
  | { type: 'count'; max: number }
  | { type: 'choice'; choices: readonly string[] };

export interface NodeOptionSpec {
  /** The long option's name without dashes; also the config key. */
  key: string;
  /** A short form, e.g. `-a`. */
  short?: string;
  /** Placeholder in help (`PORT`); absent for a flag. */
  arg?: string;
  kind: OptionKind;
  description: string;
  /** Commander default (shown in help); the resolved default otherwise lives in node-settings.ts. */
  defaultValue?: string;
  /** May be given more than once; the values form a list in order. */
  repeatable?: boolean;
  /** Not allowed inside a `[network]` section (it picks the network or the files). */
  topLevelOnly?: boolean;
  /** A secret: never echoed in an error message or a log line. */
  secret?: boolean;
}

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const str: OptionKind = { type: 'string' };
const port: OptionKind = { type: 'port' };
const bool: OptionKind = { type: 'bool' };
const percent: OptionKind = { type: 'percent' };

/** Every option of the node command except `--conf` (which names the file itself) and `--help`. */
export const NODE_OPTIONS: readonly NodeOptionSpec[] = [
  // --net's values are checked where the network is resolved (cli/net-option.ts), so that every
  // name the command line accepts is accepted in a file too.
  { key: 'net', arg: 'NAME', kind: str, description: 'network (default: bitcoin)', topLevelOnly: true },
  { key: 'testnet', kind: bool, description: "use the network's testnet (the seed's form: --net bitcoin --testnet)", topLevelOnly: true },
  { key: 'regtest', kind: bool, description: 'shorthand for --net regtest', topLevelOnly: true },
  { key: 'address', short: 'a', arg: 'ADDRESS', kind: str, description: "payout address (default: one from bitcoind's wallet, cached in the data directory)" },
  { key: 'datadir', arg: 'DIR', kind: str, description: 'where shares, logs and the cached address live (default: ~/.p2pool)', topLevelOnly: true },
  { key: 'logfile', arg: 'FILE', kind: str, description: 'log file, JSON lines (default: DATADIR/NET/log)' },
  { key: 'log-format', arg: 'FORMAT', kind: { type: 'choice', choices: LOG_FORMATS }, description: 'terminal log format: pretty (one readable line per event) or json (default: pretty when stdout is a terminal, else json)' },
  { key: 'debug', kind: bool, description: 'log debugging details' },
  { key: 'merged-url', arg: 'URL', kind: str, repeatable: true, description: 'merged-mining aux chain RPC URL (getauxblock or createauxblock/submitauxblock), repeatable', secret: true },
  { key: 'merged-userpass', arg: 'USER:PASS', kind: str, repeatable: true, description: 'USER:PASS for the --merged-url at the same position', secret: true },
  { key: 'give-author', arg: 'PERCENT', kind: percent, defaultValue: '0', description: 'donate this percentage of work to the original P2Pool author' },
  { key: 'p2pool-port', arg: 'PORT', kind: port, description: "P2P port for other P2Pool nodes (default: the network's)" },
  { key: 'p2pool-node', short: 'n', arg: 'ADDR[:PORT]', kind: str, repeatable: true, description: 'connect to this P2Pool node and stay connected, repeatable' },
  { key: 'disable-upnp', kind: bool, description: "don't map the P2P port on the router with UPnP/NAT-PMP" },
  { key: 'outgoing-conns', arg: 'N', kind: { type: 'count', max: 10 }, defaultValue: '6', description: 'outgoing P2P connections besides -n nodes (0-10)' },
  { key: 'max-conns', arg: 'N', kind: { type: 'count', max: 100_000 }, defaultValue: '40', description: 'maximum incoming P2P connections' },
  { key: 'max-coinbase-outputs', arg: 'N', kind: { type: 'count', max: 65535 }, description: "fair networks only: the most payout outputs a job's coinbase may carry for miners that ask for no size class (the largest of the network's classes up to N; default: the default class, 200). See docs/mining.md" },
  { key: 'worker-port', short: 'w', arg: 'PORT', kind: port, description: "port for miners (Stratum and getwork) and the web API (default: the network's)" },
  { key: 'worker-host', arg: 'HOST', kind: str, defaultValue: '0.0.0.0', description: 'address to listen on for miners' },
  { key: 'fee', short: 'f', arg: 'PERCENT', kind: percent, defaultValue: '0', description: 'charge miners on this node this percentage (work paying the node address)' },
  { key: 'bitcoind-address', arg: 'HOST', kind: str, defaultValue: '127.0.0.1', description: 'bitcoind host' },
  { key: 'bitcoind-rpc-port', arg: 'PORT', kind: port, description: "bitcoind JSON-RPC port (default: the network's)" },
  { key: 'bitcoind-p2p-port', arg: 'PORT', kind: port, description: "bitcoind P2P port (default: the network's)" },
  { key: 'bitcoind-datadir', arg: 'DIR', kind: str, description: "bitcoind's data directory, to find its .cookie (default: ~/.bitcoin or the coin's)" },
  { key: 'bitcoind-cookie', arg: 'FILE', kind: str, description: "bitcoind's .cookie file (overrides --bitcoind-datadir)" },
  { key: 'bitcoind-rpc-user', arg: 'USER', kind: str, description: 'bitcoind RPC user (or the first positional argument; default: the cookie file)' },
  { key: 'bitcoind-rpc-password', arg: 'PASSWORD', kind: str, description: 'bitcoind RPC password (or the second positional argument; better in the config file than on a command line)', secret: true },
];

const BY_KEY = new Map(NODE_OPTIONS.map((o) => [o.key, o]));

export function optionSpec(key: string): NodeOptionSpec | undefined {
  return BY_KEY.get(key);
}

/** `worker-port` -> `workerPort`, as commander names option values. */
export function camelKey(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** 1/0, true/false, yes/no, on/off (bitcoin.conf writes 1 and 0). */
export function parseBool(value: string): boolean | null {
  const v = value.toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === '0' || v === 'false' || v === 'no' || v === 'off') return false;
  return null;
}

/**
 * Why `value` is not a valid `kind`, or null when it is. The same words serve the command line
 * (`--worker-port must be ...`) and a file (`p2pool.conf:3: worker-port must be ...`).
 */
export function valueProblem(kind: OptionKind, value: string): string | null {
  switch (kind.type) {
    case 'string':
      return value.length === 0 ? 'must not be empty' : null;
    case 'port': {
      const n = Number(value);
      return /^\d+$/.test(value) && n <= 65535 ? null : 'must be a port number (0-65535)';
    }
    case 'bool':
      return parseBool(value) === null ? 'must be 1 or 0 (or true/false)' : null;
    case 'percent': {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 100 ? null : 'must be a percentage from 0 to 100';
    }
    case 'count': {
      const n = Number(value);
      return /^\d+$/.test(value) && n <= kind.max ? null : `must be a whole number from 0 to ${kind.max}`;
    }
    case 'choice':
      return kind.choices.includes(value) ? null : `must be one of ${kind.choices.join(', ')}`;
  }
}
