/**
 * One of our nodes as a separate process, started the way an operator starts it (the `p2pool`
 * CLI with the documented regtest invocation, docs/operations.md "Starting"), so a test can
 * kill it with SIGKILL and start it again on the same data directory. Runs from source (tsx).
 * Its log (JSON lines on stdout) is kept, and the shares it reports finding are collected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BcoinNode } from './bcoin-node.js';
import { waitFor } from './wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface NodeProcessOptions {
  name: string;
  datadir: string;
  bcoin: BcoinNode;
  address: string;
  p2pPort: number;
  workerPort: number;
  /** P2Pool ports of the nodes to keep connected to (-n). */
  connect: number[];
  /** Extra command-line options. */
  extraArgs?: string[];
}

export interface LogLine { at: number; level: number; msg: string }

export class NodeProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
  /** Every log line of every run, in order. */
  readonly log: LogLine[] = [];
  /** 16-hex prefixes of the shares this node's miners found (its `share X… from` lines). */
  readonly sharePrefixes = new Set<string>();
  /** Start times (ms) of each run. */
  readonly starts: number[] = [];

  constructor(readonly opts: NodeProcessOptions) {}

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get storePath(): string {
    return join(this.opts.datadir, 'regtest', 'shares.sqlite');
  }

  args(): string[] {
    const o = this.opts;
    return [
      '--net', 'regtest', '--datadir', o.datadir, '--bitcoind-address', '127.0.0.1', '--bitcoind-rpc-port', String(o.bcoin.rpcPort),
      '--bitcoind-p2p-port', String(o.bcoin.p2pPort), '--p2pool-port', String(o.p2pPort), '-w', String(o.workerPort), '--worker-host', '127.0.0.1',
      '--disable-upnp', '-a', o.address, ...o.connect.flatMap((p) => ['-n', `127.0.0.1:${p}`]), ...(o.extraArgs ?? []),
      o.bcoin.rpcUser, o.bcoin.rpcPassword,
    ];
  }

  /** Start the process; resolves once it serves miners (its log says so). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`${this.opts.name} is already running`);
    const started = Date.now();
    this.starts.push(started);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...this.args()], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // The log is JSON lines on stdout when it is not a terminal (docs/operations.md); startup
    // errors come on stderr. Both are read line by line.
    for (const stream of [child.stdout!, child.stderr!]) {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) this.onLine(line);
        }
      });
    }
    await waitFor(`${this.opts.name} serving miners`, () => {
      if (!this.running) throw new Error(`${this.opts.name} exited during startup:\n${this.tail(20)}`);
      return this.log.some((l) => l.at >= started && l.msg.startsWith('serving miners'));
    }, timeoutMs);
  }

  private onLine(line: string): void {
    let l: { level?: number; time?: number; msg?: string };
    try {
      l = JSON.parse(line) as typeof l;
    } catch {
      this.log.push({ at: Date.now(), level: 50, msg: line });
      return;
    }
    const msg = l.msg ?? '';
    this.log.push({ at: Date.now(), level: l.level ?? 30, msg });
    const m = /^share ([0-9a-f]{16})… from /.exec(msg);
    if (m) this.sharePrefixes.add(m[1]!);
  }

  /** The last `n` log lines, for error messages. */
  tail(n: number): string {
    return this.log.slice(-n).map((l) => `${l.level} ${l.msg}`).join('\n');
  }

  /** kill -9, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  /** SIGTERM (clean shutdown); resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.child) return null;
    this.child.kill('SIGTERM');
    const r = await this.exited;
    this.child = null;
    return r!.code;
  }

  /** GET a JSON path on the worker port (null on any failure). */
  async get<T>(path: string): Promise<T | null> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.opts.workerPort}${path}`, { signal: AbortSignal.timeout(5_000) });
      if (res.status !== 200) return null;
      return (await res.json()) as T;
    } catch {
      return null;
    }
  }

  /** Status of GET path (0 when unreachable). */
  async status(path: string): Promise<number> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.opts.workerPort}${path}`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  bestShare(): Promise<string | null> {
    return this.get<string | null>('/web/best_share_hash');
  }
}
