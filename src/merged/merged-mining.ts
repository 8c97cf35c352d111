/**
 * Merged mining: polls each aux chain (`--merged-url`) for work every second, keeps the aux
 * merkle tree whose commitment goes into the parent coinbase, and turns parent solutions that
 * meet an aux chain's target into AuxPoW submissions (docs/mining.md#miningsubmit-answers and
 * "Merged-mining coinbase data").
 *
 * - A chain that does not answer is logged once and left out of the tree until it answers
 *   again; parent mining never waits for it (polls run in the background, one at a time per
 *   chain, each with a deadline).
 * - Every tree handed out is remembered by its root (the last MAX_REMEMBERED_TREES), so a
 *   solution on a job made before the aux work changed is still proven against the tree its
 *   coinbase commits to.
 * - Before submitting, our own AuxPoW goes through Namecoin's CAuxPow::check (auxpow-check.ts):
 *   a bug on our side shows up as one clear log line, not as a puzzling rejection.
 */
import { EventEmitter } from 'node:events';
import type { MergedMiningHook, ParentSolution } from '../work/merged-hook.js';
import type { ChainParams } from '../bitcoin/chain-params.js';
import { sha256d } from '../bitcoin/hash.js';
import { hashToBigInt, hashToDisplayHex, toHex } from '../bitcoin/hex.js';
import { decodeTransaction } from '../bitcoin/transaction.js';
import { AuxRpcClient, AuxRpcError, DEFAULT_AUX_TIMEOUT_MS, type AuxWork } from './aux-rpc.js';
import { buildAuxTree, commitmentPush, findCommitment, type AuxTree } from './aux-merkle-tree.js';
import { decodeAuxPow, encodeAuxPow } from './auxpow.js';
import { AuxPowError, checkAuxPow } from './auxpow-check.js';

export interface AuxChainConfig {
  /** RPC URL, credentials may be in it (http://user:pass@host:port/). */
  url: string;
  /** `--merged-userpass USER:PASS` for this URL, if given. */
  userpass?: string;
}

export interface MergedMiningOptions {
  chains: AuxChainConfig[];
  /** The parent chain (named in the log; the PoW hash of each solution comes computed). */
  parent: ChainParams;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
  /** Poll period per aux chain (default 1 s, as the reference). */
  pollIntervalMs?: number;
  /** Deadline of each aux RPC call (default 5 s). */
  timeoutMs?: number;
  /** Delay between attempts to deliver a solved aux block to an unreachable node (default 1 s; 3 attempts). */
  submitRetryMs?: number;
}

export interface AuxChainStats {
  /** The URL without credentials. */
  url: string;
  chainId: number | null;
  accepted: number;
  rejected: number;
  lastError: string | null;
}

export interface MergedMiningEvents {
  /** The aux work changed: the commitment in new jobs differs (node: work.workChanged(false)). */
  changed: [];
  /** An aux block was submitted; accepted or not (with the chain's reason). */
  auxblock: [info: { url: string; hash: string; accepted: boolean; reason: string | null }];
}

/** Trees remembered for late solutions: a few minutes of aux work changes. */
const MAX_REMEMBERED_TREES = 64;
/** Aux block hashes remembered per chain as submitted, so one block is not sent twice. */
const MAX_REMEMBERED_SUBMITS = 256;
const SUBMIT_ATTEMPTS = 3;

interface AuxChain {
  client: AuxRpcClient;
  url: string;
  work: AuxWork | null;
  /** null until the first poll finishes. */
  alive: boolean | null;
  polling: boolean;
  accepted: number;
  rejected: number;
  lastError: string | null;
  chainId: number | null;
  /** Aux block hash (hex) -> submitted; bounded. */
  submitted: Set<string>;
}

interface TreeSnapshot {
  tree: AuxTree;
  /** The chains in the tree, each with the work it had then (same order as tree.leaves). */
  members: { chain: AuxChain; work: AuxWork }[];
  commitment: Buffer;
  /** The easiest of the members' targets (a submit is checked against it: easiestTarget). */
  easiestTarget: bigint;
}

export class MergedMining extends EventEmitter<MergedMiningEvents> implements MergedMiningHook {
  private readonly chains: AuxChain[];
  private current: TreeSnapshot | null = null;
  private readonly trees = new Map<string, TreeSnapshot>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly warnedDuplicate = new Set<string>();

  constructor(readonly opts: MergedMiningOptions) {
    super();
    this.chains = opts.chains.map((c) => {
      const client = new AuxRpcClient(c.url, c.userpass, { timeoutMs: opts.timeoutMs ?? DEFAULT_AUX_TIMEOUT_MS });
      return { client, url: client.endpoint.display, work: null, alive: null, polling: false, accepted: 0, rejected: 0, lastError: null, chainId: null, submitted: new Set() };
    });
  }

  /** First poll of every chain (bounded by the RPC deadline), then one per second each. */
  async start(): Promise<void> {
    this.opts.log('info', `merged mining: ${this.chains.length} aux chain(s) on top of ${this.opts.parent.name}: ${this.chains.map((c) => c.url).join(', ')}`);
    await Promise.all(this.chains.map((c) => this.poll(c)));
    if (this.stopped) return;
    this.timer = setInterval(() => {
      for (const c of this.chains) void this.poll(c);
    }, this.opts.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.chains) c.client.close();
  }

  stats(): AuxChainStats[] {
    return this.chains.map((c) => ({ url: c.url, chainId: c.chainId, accepted: c.accepted, rejected: c.rejected, lastError: c.lastError }));
  }

  coinbaseCommitment(): Buffer | null {
    return this.current?.commitment ?? null;
  }

  easiestTarget(): bigint | null {
    // Asked on every submit: made once per tree (its members' works are fixed in it).
    return this.current?.easiestTarget ?? null;
  }

  onSolution(solution: ParentSolution): void {
    try {
      this.handleSolution(solution);
    } catch (e) {
      // The hook must not throw into the share path.
      this.opts.log('error', `merged mining: internal error on a solution: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async poll(c: AuxChain): Promise<void> {
    if (c.polling || this.stopped) return;
    c.polling = true;
    try {
      const work = await c.client.getWork();
      if (this.stopped) return;
      if (c.alive !== true) {
        const how = c.client.style === 'createauxblock' ? `createauxblock/submitauxblock, paying ${c.client.payoutAddress}` : 'getauxblock';
        this.opts.log('info', `${c.alive === false ? 'aux chain answers again' : 'merge-mining aux chain'} ${c.url}: chain id ${work.chainId}, via ${how}`);
      }
      c.alive = true;
      c.lastError = null;
      c.chainId = work.chainId;
      if (!c.work || !c.work.hash.equals(work.hash) || c.work.target !== work.target || c.work.chainId !== work.chainId) {
        c.work = work;
        this.rebuild();
      }
    } catch (e) {
      if (this.stopped) return;
      const msg = e instanceof Error ? e.message : String(e);
      c.lastError = msg;
      if (c.alive !== false) {
        this.opts.log('warn', `${msg}; left out of merged mining until it answers (parent mining goes on)`);
      }
      c.alive = false;
      if (c.work) {
        c.work = null;
        this.rebuild();
      }
    } finally {
      c.polling = false;
    }
  }

  /** New tree from the chains that have work now; 'changed' when its commitment differs. */
  private rebuild(): void {
    const members: { chain: AuxChain; work: AuxWork }[] = [];
    const byId = new Map<number, AuxChain>();
    for (const c of this.chains) {
      if (!c.work) continue;
      const other = byId.get(c.work.chainId);
      if (other) {
        // One slot per chain id: two chains with the same id cannot be proven in one tree.
        const key = `${other.url} ${c.url}`;
        if (!this.warnedDuplicate.has(key)) {
          this.warnedDuplicate.add(key);
          this.opts.log('warn', `aux chains ${other.url} and ${c.url} have the same chain id ${c.work.chainId}: only the first is merge-mined`);
        }
        continue;
      }
      byId.set(c.work.chainId, c);
      members.push({ chain: c, work: c.work });
    }
    const before = this.current?.commitment ?? null;
    if (members.length === 0) {
      this.current = null;
    } else {
      const tree = buildAuxTree(members.map((m) => ({ chainId: m.work.chainId, hash: m.work.hash })));
      const easiestTarget = members.reduce((max, m) => (m.work.target > max ? m.work.target : max), 0n);
      const snapshot: TreeSnapshot = { tree, members, commitment: commitmentPush(tree), easiestTarget };
      const key = tree.root.toString('hex');
      this.trees.delete(key);
      this.trees.set(key, snapshot);
      if (this.trees.size > MAX_REMEMBERED_TREES) this.trees.delete(this.trees.keys().next().value!);
      this.current = snapshot;
    }
    const after = this.current?.commitment ?? null;
    if (before === null ? after !== null : after === null || !before.equals(after)) this.emit('changed');
  }

  private handleSolution(s: ParentSolution): void {
    const coinbase = decodeTransaction(s.coinbase);
    const found = coinbase.inputs.length > 0 ? findCommitment(coinbase.inputs[0]!.script) : null;
    const snapshot = found ? this.trees.get(found.root.toString('hex')) : undefined;
    if (!snapshot) {
      this.opts.log('debug', 'merged mining: a solution whose coinbase commits to no aux tree we made (job from before merged mining had work)');
      return;
    }
    const pow = hashToBigInt(s.powHash);
    snapshot.members.forEach((m, i) => {
      if (pow > m.work.target) return;
      const hashHex = m.work.hash.toString('hex');
      if (m.chain.submitted.has(hashHex)) return;
      const leaf = snapshot.tree.leaves[i]!;
      const auxpow = encodeAuxPow({
        coinbaseBytes: s.coinbase,
        // CMerkleTx::hashBlock: the parent header's hash, as the reference fills it.
        parentHash: sha256d(s.header),
        coinbaseBranch: s.merkleBranch,
        coinbaseIndex: 0,
        chainBranch: leaf.branch,
        chainIndex: leaf.slot,
        parentHeader: s.header,
      });
      try {
        checkAuxPow(decodeAuxPow(auxpow), m.work.hash, m.work.chainId);
      } catch (e) {
        const why = e instanceof AuxPowError ? e.reason : e instanceof Error ? e.message : String(e);
        this.opts.log('error', `internal error: our AuxPoW for ${m.chain.url} fails Namecoin's check (${why}); not submitted`);
        return;
      }
      m.chain.submitted.add(hashHex);
      if (m.chain.submitted.size > MAX_REMEMBERED_SUBMITS) m.chain.submitted.delete(m.chain.submitted.values().next().value!);
      void this.submit(m.chain, m.work, auxpow);
    });
  }

  private async submit(c: AuxChain, work: AuxWork, auxpow: Buffer): Promise<void> {
    const hash = hashToDisplayHex(work.hash);
    const at = work.height === null ? '' : ` at height ${work.height}`;
    this.opts.log('info', `aux block ${hash}${at} found for ${c.url} (chain id ${work.chainId}); submitting`);
    let verdict: { accepted: boolean; reason: string | null } | null = null;
    let lastError = '';
    for (let attempt = 1; attempt <= SUBMIT_ATTEMPTS && verdict === null; attempt++) {
      try {
        verdict = await c.client.submit(work.hash, auxpow);
      } catch (e) {
        lastError = e instanceof AuxRpcError ? e.message : String(e);
        if (attempt < SUBMIT_ATTEMPTS && !this.stopped) await new Promise((r) => setTimeout(r, this.opts.submitRetryMs ?? 1000));
      }
    }
    verdict ??= { accepted: false, reason: `not delivered after ${SUBMIT_ATTEMPTS} attempts: ${lastError}` };
    if (verdict.accepted) {
      c.accepted++;
      this.opts.log('info', `aux block ${hash}${at} accepted by ${c.url}`);
    } else {
      c.rejected++;
      this.opts.log('warn', `aux block ${hash}${at} REJECTED by ${c.url}: ${verdict.reason ?? 'no reason given'} (auxpow ${toHex(auxpow).length / 2} bytes)`);
    }
    this.emit('auxblock', { url: c.url, hash, accepted: verdict.accepted, reason: verdict.reason });
    // A new aux block means new aux work: ask now rather than at the next poll.
    if (verdict.accepted) void this.poll(c);
  }
}
