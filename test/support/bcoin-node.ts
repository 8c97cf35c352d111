/**
 * A real full node for tests: bcoin 1.0.2 in regtest, in this process, in memory.
 *
 * - bcoin's native addons are not built here; it runs on its pure-JS fallbacks, and leveldown
 *   is overridden to memdown (package.json), which `memory: true` uses anyway.
 * - HTTP JSON-RPC on a free 127.0.0.1 port (basic auth: any user, password = api key) and P2P
 *   listening on a free 127.0.0.1 port. Nothing reaches beyond 127.0.0.1: bcoin's external
 *   address discovery (DNS), UPnP and seeds are switched off before it connects.
 * - Blocks are mined straight through bcoin's miner and chain (no RPC, no JSON), which makes
 *   the 432 blocks that activate segwit on regtest take a few seconds (see docs/bitcoind.md).
 */
import { createRequire } from 'node:module';
import net from 'node:net';

const require = createRequire(import.meta.url);

/** Segwit is active from the third 144-block BIP9 period on regtest: 3 * 144 = 432 blocks. */
export const SEGWIT_ACTIVATION_BLOCKS = 432;

// Only the parts of bcoin these helpers touch, typed loosely (bcoin ships no types).
interface BcoinEntry { height: number; rhash(): string; hash: string }
interface BcoinBlock { rhash(): string; toRaw(): Buffer }
interface BcoinAddress { toString(network?: string): string }
interface BcoinFullNode {
  open(): Promise<void>;
  connect(): Promise<void>;
  startSync(): void;
  close(): Promise<void>;
  chain: {
    tip: BcoinEntry;
    height: number;
    synced: boolean;
    add(block: BcoinBlock): Promise<BcoinEntry | null>;
    logStatus(...args: unknown[]): void;
  };
  miner: { cpu: { createJob(tip: BcoinEntry | null, address: BcoinAddress | null): Promise<{ mine(): BcoinBlock }> } };
  pool: {
    connect(): Promise<void>;
    disconnect(): Promise<void>;
    discoverExternal(): Promise<void>;
    discoverGateway(): Promise<boolean>;
    discoverSeeds(): Promise<void>;
  };
  /** bcoin's HTTP server (bweb); `http` is the node:http server under it. */
  http: { http: import('node:http').Server };
  on(event: string, listener: (...args: unknown[]) => void): void;
}
interface BcoinModule {
  FullNode: new (options: Record<string, unknown>) => BcoinFullNode;
  Address: { fromScript(script: unknown): BcoinAddress | null };
  Script: { fromRaw(raw: Buffer): unknown };
  KeyRing: { generate(): { getAddress(): BcoinAddress } };
}

let bcoinModule: BcoinModule | null = null;
/** Loading bcoin takes ~2 s (its pure-JS crypto); do it once per test process. */
function loadBcoin(): BcoinModule {
  bcoinModule ??= require('bcoin') as BcoinModule;
  return bcoinModule;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface BcoinNodeOptions {
  /** Mine this many blocks at start (default 432, so segwit is active). */
  initialBlocks?: number;
  apiKey?: string;
}

export interface BcoinNode {
  readonly host: '127.0.0.1';
  readonly rpcPort: number;
  readonly p2pPort: number;
  /** RPC credentials: bcoin ignores the user name and checks the password against its api key. */
  readonly rpcUser: string;
  readonly rpcPassword: string;
  /** The bcoin FullNode itself, for what the helpers do not cover. */
  readonly node: BcoinFullNode;
  /** Milliseconds the initial blocks took to mine. */
  readonly initialMiningMs: number;
  height(): number;
  /** Best block hash, display hex. */
  tipHash(): string;
  /** Mine `count` blocks paying to `outputScript` (default: a throwaway key); display-hex hashes. */
  mine(count: number, outputScript?: Buffer): Promise<string[]>;
  /** JSON-RPC generatetoaddress with a bcoin-format address (it does not read Core's formats). */
  generateToAddress(count: number, bcoinAddress: string): Promise<string[]>;
  /** Plain JSON-RPC call, for tests that look at bcoin's own answers. */
  rpc(method: string, params?: unknown[]): Promise<{ status: number; body: unknown }>;
  /**
   * Make the node unreachable without losing its chain, as a bitcoind that is restarting (or
   * behind a dead link) looks from outside: the HTTP RPC server stops listening and drops every
   * connection (keep-alive and long polls too), and the P2P pool drops its peers and stops
   * listening. The chain stays in memory, so `resume` brings back the same node on the same ports.
   */
  suspend(): Promise<void>;
  /** Listen again on the same RPC and P2P ports after `suspend`. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBcoinNode(opts: BcoinNodeOptions = {}): Promise<BcoinNode> {
  const bcoin = loadBcoin();
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const apiKey = opts.apiKey ?? 'bcoin-test-key';
  const node = new bcoin.FullNode({
    network: 'regtest',
    memory: true,
    workers: false,
    logLevel: 'none',
    listen: true,
    host: '127.0.0.1',
    port: p2pPort,
    httpHost: '127.0.0.1',
    httpPort: rpcPort,
    apiKey,
    upnp: false,
  });
  // Keep bcoin off the internet: with only a non-routable bind address it would ask DNS
  // servers for our external IP, and it would look for UPnP gateways and seeds.
  node.pool.discoverExternal = async () => undefined;
  node.pool.discoverGateway = async () => false;
  node.pool.discoverSeeds = async () => undefined;
  // With logging off bcoin still reads process.memoryUsage() for every block it connects
  // (Chain.logStatus): a seventh of the time of mining the first 432 blocks.
  node.chain.logStatus = () => undefined;
  // bcoin reports errors as events; an unhandled 'error' would throw.
  node.on('error', () => undefined);

  await node.open();
  await node.connect();
  // Sync mode makes bcoin act on our inv/getdata traffic (it ignores block invs otherwise).
  node.startSync();

  const defaultAddress = bcoin.KeyRing.generate().getAddress();
  let stopped = false;
  let suspended = false;

  const mine = async (count: number, outputScript?: Buffer): Promise<string[]> => {
    const address = outputScript ? bcoin.Address.fromScript(bcoin.Script.fromRaw(outputScript)) : defaultAddress;
    if (!address) throw new Error('bcoin cannot pay to that script');
    const hashes: string[] = [];
    for (let i = 0; i < count; i++) {
      // Regtest's target is 2**255: the nonce search takes a try or two.
      const job = await node.miner.cpu.createJob(null, address);
      const block = job.mine();
      const entry = await node.chain.add(block);
      if (!entry) throw new Error('bcoin did not connect its own block');
      hashes.push(entry.rhash());
    }
    return hashes;
  };

  const rpc = async (method: string, params: unknown[] = []): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`http://127.0.0.1:${rpcPort}/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`bcoin:${apiKey}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '1.0', id: 1, method, params }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  const suspend = async (): Promise<void> => {
    if (suspended || stopped) return;
    suspended = true;
    const server = node.http.http;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await node.pool.disconnect();
  };

  const resume = async (): Promise<void> => {
    if (!suspended || stopped) return;
    suspended = false;
    const server = node.http.http;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(rpcPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    await node.pool.connect();
    node.startSync();
  };

  const started = Date.now();
  await mine(opts.initialBlocks ?? SEGWIT_ACTIVATION_BLOCKS);
  const initialMiningMs = Date.now() - started;

  return {
    host: '127.0.0.1',
    rpcPort,
    p2pPort,
    rpcUser: 'bcoin',
    rpcPassword: apiKey,
    node,
    initialMiningMs,
    height: () => node.chain.height,
    tipHash: () => node.chain.tip.rhash(),
    mine,
    async generateToAddress(count, bcoinAddress) {
      const r = await rpc('generatetoaddress', [count, bcoinAddress]);
      const body = r.body as { result: string[] | null; error: unknown };
      if (body.error) throw new Error(`generatetoaddress failed: ${JSON.stringify(body.error)}`);
      return body.result ?? [];
    },
    rpc,
    suspend,
    resume,
    async stop() {
      if (stopped) return;
      // bcoin's close() expects its servers open: bring them back first if suspended.
      await resume();
      stopped = true;
      await node.close();
    },
  };
}
