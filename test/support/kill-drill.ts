/**
 * The kill -9 drill (docs/operations.md "Crash and fault drills"): three of our nodes, each a
 * separate `p2pool` process beside one bcoin regtest node, peered with each other, each with a
 * CPU miner that reconnects by itself. Over and over, one node chosen at random is killed with
 * SIGKILL at a random moment and started again on its data directory. After every kill:
 *
 * - every share the node had acknowledged before the kill is in its store: answered `true` to
 *   its miner, or received by a peer from it (a share the node made that a peer holds);
 * - the store opens clean (the real ShareStore, no log line; SQLite's integrity_check is ok);
 * - the restarted node is back on the network's best share, and the time that took is kept;
 * - the node's miner has reconnected and logged in again by itself.
 *
 * At the end the miners stop, all three nodes agree on one best share, and every bcoin block
 * that is one of the chain's shares pays exactly what PPLNS says (test/support/pplns-expected.ts).
 * Used by test/integration/kill-drill.test.ts (5 kills) and scripts/drill.ts (20 kills).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { decodeBlock } from '../../src/bitcoin/block.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { decodeShare } from '../../src/sharechain/share.js';
import { ShareStore } from '../../src/sharechain/store.js';
import type { Share } from '../../src/sharechain/types.js';
import { freePort, startBcoinNode, type BcoinNode } from './bcoin-node.js';
import { NodeProcess } from './node-process.js';
import { expectedPayouts } from './pplns-expected.js';
import { ReconnectingMiner } from './reconnecting-miner.js';
import { waitFor } from './wait.js';
import { xorshift32 } from './xorshift.js';

const regtest = getChainParams('regtest');
const net = getP2PoolNetwork('regtest');
const addr = (label: string): string => scriptToAddress(witnessScript(0, hash160(Buffer.from(`kill drill ${label}`))), regtest)!;

export interface KillRecord {
  victim: string;
  /** ms the node had been up when it was killed. */
  upMs: number;
  /** Shares acknowledged before the kill: to the miner, and (only) to a peer. */
  ackedToMiner: number;
  ackedToPeerOnly: number;
  /** Acknowledged shares the node itself deleted while it ran (dead forks it pruned), not lost. */
  prunedBeforeKill: number;
  lost: string[];
  storeProblems: string[];
  /** ms from the restart to serving miners, and to being on the network's best share. */
  servingMs: number;
  recoveryMs: number;
  /** ms from the restart until the node's miner was logged in again. */
  minerBackMs: number;
}

export interface DrillResult {
  kills: KillRecord[];
  sharesOnChain: number;
  blocksChecked: number;
  /** Blocks whose coinbase did not pay as PPLNS says (hash: why). */
  badPayouts: string[];
  agreed: boolean;
  seconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** xorshift: the drill's random moments and victims are repeatable from a seed; each in [0, 1). */
function rng(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 4294967296;
}

/**
 * Watches a running node's store through a read-only connection (WAL allows it beside the
 * writer): which shares were ever in it, and which the node itself deleted later while it ran
 * (the tracker prunes dead forks, e.g. the node's first shares on a chain of its own before it
 * met its peers). A share acknowledged and then pruned by the node is not a crash loss.
 */
class StoreWatcher {
  readonly everStored = new Set<string>();
  readonly deletedAlive = new Set<string>();
  private db: Database.Database | null = null;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly path: string, private readonly alive: () => boolean) {
    this.timer = setInterval(() => this.poll(), 150);
  }
  poll(): void {
    if (!this.alive()) return;
    try {
      this.db ??= new Database(this.path, { readonly: true, fileMustExist: true });
      const now = new Set((this.db.prepare('SELECT hash FROM shares').all() as Array<{ hash: string }>).map((r) => r.hash));
      for (const h of this.everStored) if (!now.has(h) && this.alive()) this.deletedAlive.add(h);
      for (const h of now) {
        this.everStored.add(h);
        this.deletedAlive.delete(h);
      }
    } catch {
      // The file is being created, or the node is going down: next time.
    }
  }
  close(): void {
    clearInterval(this.timer);
    this.db?.close();
  }
}

/** Open the store the way the node does and report anything unclean; returns its share hashes. */
export function inspectStore(path: string): { hashes: Set<string>; problems: string[] } {
  const problems: string[] = [];
  const db = new Database(path, { readonly: false });
  const check = db.pragma('integrity_check', { simple: true });
  db.close();
  if (check !== 'ok') problems.push(`integrity_check: ${String(check)}`);
  const store = ShareStore.open(path, { log: (m) => problems.push(m) });
  const rows = store.loadShares(net.name, (raw) => decodeShare(raw, net));
  store.close();
  return { hashes: new Set(rows.map((r) => r.hash)), problems };
}

export async function runKillDrill(opts: { kills: number; seed?: number; log?: (msg: string) => void; minUpMs?: number; maxUpMs?: number }): Promise<DrillResult> {
  const log = opts.log ?? (() => undefined);
  const random = rng(opts.seed ?? Date.now());
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'p2pool-kill-drill-'));
  let bcoin: BcoinNode | null = null;
  const nodes: NodeProcess[] = [];
  const miners: ReconnectingMiner[] = [];
  const cleanup: Array<() => void> = [];
  try {
    bcoin = await startBcoinNode();
    const p2p = [await freePort(), await freePort(), await freePort()];
    const worker = [await freePort(), await freePort(), await freePort()];
    for (let i = 0; i < 3; i++) {
      nodes.push(new NodeProcess({
        name: `node ${i}`, datadir: join(dir, `node-${i}`), bcoin, address: addr(`node ${i}`), p2pPort: p2p[i]!, workerPort: worker[i]!,
        connect: p2p.filter((_, j) => j !== i),
      }));
    }
    for (const n of nodes) await n.start();
    const watchers = nodes.map((n) => new StoreWatcher(n.storePath, () => n.running));
    cleanup.push(() => watchers.forEach((w) => w.close()));
    for (let i = 0; i < 3; i++) {
      const m = new ReconnectingMiner({ port: worker[i]!, username: addr(`miner ${i}`), onePerJob: true });
      // Mean 1 s between a miner's shares (as the demo paces them): every regtest share is also
      // a block, and bcoin should not be flooded.
      m.onAccepted = () => -Math.log(1 - random()) * 1000;
      m.start();
      miners.push(m);
    }
    // Every node has made shares before the first kill.
    await waitFor('shares from every node', () => nodes.every((n) => n.sharePrefixes.size >= 2), 120_000);

    const kills: KillRecord[] = [];
    for (let k = 0; k < opts.kills; k++) {
      const v = Math.floor(random() * 3);
      const victim = nodes[v]!;
      const others = nodes.filter((_, j) => j !== v);
      const miner = miners[v]!;
      const upFor = (opts.minUpMs ?? 1_500) + random() * ((opts.maxUpMs ?? 5_000) - (opts.minUpMs ?? 1_500));
      const startedAt = victim.starts.at(-1)!;
      await sleep(Math.max(0, startedAt + upFor - Date.now()));
      const killedAt = Date.now();
      await victim.kill();
      // What the node had acknowledged: its miner's submits answered true that made shares, and
      // the shares it made that reached a peer (asked once relayed bytes have landed).
      await sleep(300);
      const made = miner.sent.filter((h) => victim.sharePrefixes.has(h.slice(0, 16)));
      const toMiner = new Set(miner.submits.filter((s) => s.result === true && victim.sharePrefixes.has(s.hash.slice(0, 16))).map((s) => s.hash));
      const toPeer = new Set<string>();
      for (const h of made) {
        if (toMiner.has(h)) continue;
        for (const o of others) if ((await o.status(`/web/share/${h}`)) === 200) toPeer.add(h);
      }
      const { hashes, problems } = inspectStore(victim.storePath);
      const missing = [...toMiner, ...toPeer].filter((h) => !hashes.has(h));
      const pruned = missing.filter((h) => watchers[v]!.deletedAlive.has(h));
      const lost = missing.filter((h) => !watchers[v]!.deletedAlive.has(h));
      for (const h of lost) {
        log(`LOST ${h} (${toMiner.has(h) ? 'acknowledged to the miner' : 'held by a peer'}); the victim's log about it:\n${victim.log.filter((l) => l.msg.includes(h.slice(0, 12))).map((l) => `  ${l.at - killedAt} ms: ${l.msg}`).join('\n')}\n  killed at ${killedAt}; miner submit: ${JSON.stringify(miner.submits.find((s) => s.hash === h) ?? 'unanswered')}`);
      }
      const minerLogins = miner.logins.length;
      const restartAt = Date.now();
      await victim.start();
      const servingMs = Date.now() - restartAt;
      // Back on the network's best share: the same best as another node at one poll.
      let recoveryMs = -1;
      for (;;) {
        const [b, ...ob] = await Promise.all([victim.bestShare(), ...others.map((o) => o.bestShare())]);
        if (b && ob.includes(b)) {
          recoveryMs = Date.now() - restartAt;
          break;
        }
        if (Date.now() - restartAt > 60_000) throw new Error(`${victim.opts.name} not back on the best share 60 s after its restart:\n${victim.tail(15)}`);
        await sleep(50);
      }
      await waitFor(`${victim.opts.name}'s miner logged in again`, () => miner.logins.length > minerLogins, 30_000);
      const minerBackMs = miner.logins.at(-1)! - restartAt;
      const corruptLines = victim.log.filter((l) => l.at >= restartAt && /corrupt|skipping/.test(l.msg)).map((l) => l.msg);
      const rec: KillRecord = {
        victim: victim.opts.name, upMs: killedAt - startedAt, ackedToMiner: toMiner.size, ackedToPeerOnly: toPeer.size, prunedBeforeKill: pruned.length, lost,
        storeProblems: [...problems, ...corruptLines], servingMs, recoveryMs, minerBackMs,
      };
      kills.push(rec);
      log(`kill ${k + 1}/${opts.kills}: ${rec.victim} after ${rec.upMs} ms up; acknowledged ${rec.ackedToMiner} to its miner + ${rec.ackedToPeerOnly} to peers only${pruned.length ? ` (${pruned.length} of them on dead forks the node pruned itself before the kill)` : ''}, lost ${lost.length}; store ${problems.length ? problems.join('; ') : 'clean'}; serving after ${servingMs} ms, on the best share after ${recoveryMs} ms, miner back after ${minerBackMs} ms`);
    }

    // The end: stop mining, let every node agree (a first-seen tie is broken by one more share).
    for (const m of miners) m.pause();
    let agreed = false;
    let best: string | null = null;
    for (let attempt = 0; attempt < 4 && !agreed; attempt++) {
      const until = Date.now() + 15_000;
      while (Date.now() < until) {
        const bests = await Promise.all(nodes.map((n) => n.bestShare()));
        if (bests[0] && bests.every((b) => b === bests[0])) {
          agreed = true;
          best = bests[0];
          break;
        }
        await sleep(200);
      }
      if (!agreed) {
        // One more share from node 0's miner, then drain.
        const before = miners[0]!.submits.length;
        miners[0]!.resume();
        await waitFor('one more share', () => miners[0]!.submits.slice(before).some((s) => s.result === true), 60_000);
        miners[0]!.pause();
        await sleep(500);
      }
    }
    for (const m of miners) m.close();
    for (const n of nodes) await n.stop();

    // PPLNS: every bcoin block that is a share of node 0's chain pays as PPLNS says.
    const store = ShareStore.open(nodes[0]!.storePath);
    const shares = new Map<string, Share>(store.loadShares(net.name, (raw) => decodeShare(raw, net)).map((r) => [r.hash, r.share]));
    store.close();
    const badPayouts: string[] = [];
    let blocksChecked = 0;
    for (let h = 433; h <= bcoin.height(); h++) {
      const hash = ((await bcoin.rpc('getblockhash', [h])).body as { result: string }).result;
      const share = shares.get(hash);
      if (!share) continue;
      // Only shares whose whole PPLNS window is in the store (the window reaches the chain's start on regtest).
      const block = decodeBlock(Buffer.from(((await bcoin.rpc('getblock', [hash, 0])).body as { result: string }).result, 'hex'));
      const paid = new Map<string, number>();
      for (const o of block.txs[0]!.outputs) {
        const key = o.script.toString('hex');
        if (!key.startsWith('6a')) paid.set(key, (paid.get(key) ?? 0) + o.value);
      }
      const subsidy = block.txs[0]!.outputs.reduce((s, o) => s + o.value, 0);
      const expected = expectedPayouts(share, subsidy, (x) => shares.get(x), net);
      blocksChecked++;
      const same = paid.size === expected.size && [...expected].every(([k, v]) => paid.get(k) === v);
      if (!same) badPayouts.push(`${hash} at ${h}: paid ${JSON.stringify([...paid])} expected ${JSON.stringify([...expected])}`);
    }
    return { kills, sharesOnChain: shares.size, blocksChecked, badPayouts, agreed: agreed && best !== null, seconds: (Date.now() - t0) / 1000 };
  } finally {
    for (const c of cleanup) c();
    for (const m of miners) m.close();
    for (const n of nodes) if (n.running) await n.kill();
    await bcoin?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** p50 and max of a list of ms. */
export function summary(ms: number[]): { p50: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: s[Math.floor((s.length - 1) / 2)] ?? 0, max: s.at(-1) ?? 0 };
}
