/**
 * What p2pool simulate changed in the node's own code (docs/simulate.md#what-the-simulator-changed-in-the-nodes-code):
 * the hooks (PoolWork.shareTargetFor, P2PoolNetwork.simulatedPow, ChainState's verify option,
 * ShareTracker.noteSeen) and the speed-ups found by its profile (PPLNS windows that survive
 * pruning, the payout sort and payouts without the amounts map, forest jump tables, weighing a
 * share once per process). Each must leave the node's behaviour exactly as it was.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { encodeHeader } from '../../src/bitcoin/block.js';
import { hash160, sha256d } from '../../src/bitcoin/hash.js';
import { bigIntToHash } from '../../src/bitcoin/hex.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { bitsToTarget } from '../../src/bitcoin/target.js';
import { parseBlockTemplate } from '../../src/chain/block-template.js';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { compactSizeLength } from '../../src/bitcoin/bytes.js';
import { encodeTransaction } from '../../src/bitcoin/transaction.js';
import { DONATION_SCRIPT, donationPayee } from '../../src/sharechain/coinbase-layout.js';
import { assembleShare, generateShare, payoutList, serializePayouts } from '../../src/sharechain/gentx.js';
import { payoutScriptForAddress } from '../../src/sharechain/payout-script.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { computeAmounts, orderPayouts, payoutsFromWeights, MAX_COINBASE_DESTINATIONS } from '../../src/sharechain/pplns-amounts.js';
import { pruneTracker } from '../../src/sharechain/prune.js';
import { chooseBest } from '../../src/sharechain/score.js';
import { ShareTracker } from '../../src/sharechain/tracker.js';
import type { Share, ShareHash } from '../../src/sharechain/types.js';
import { PoolWork } from '../../src/work/pool-work.js';
import { buildChain, emptyTemplate } from '../support/chain-builder.js';
import { makeChain } from '../support/synthetic-shares.js';

const here = dirname(fileURLToPath(import.meta.url));
const net = getP2PoolNetwork('regtest');
const addr = (i: number): string => scriptToAddress(witnessScript(0, hash160(Buffer.from(`hooks ${i}`))), net.parent)!;

describe('PoolWork.shareTargetFor', () => {
  it("equals the target of the job makeJob gives, for the node's choice and for /D", () => {
    const gbt = JSON.parse(readFileSync(join(here, '../fixtures/bitcoin-core-regtest/gbt-height111-24tx.json'), 'utf8')) as Record<string, unknown>;
    const template = parseBlockTemplate({ ...gbt, bits: '1d00ffff' });
    const clock = { ms: Date.now() };
    const t0 = Math.floor(clock.ms / 1000) - 40 * net.sharePeriod;
    const parent = emptyTemplate({ bits: template.bits, prevBlock: template.previousBlockHash });
    const { shares } = buildChain(net, parent, Array.from({ length: 30 }, (_, i) => ({ address: addr(i % 5), timestamp: t0 + i * net.sharePeriod })));
    const chain = new ChainState({ net });
    chain.addShares(shares);
    const work = new PoolWork({ net, chain, templates: { current: template, stale: false }, submitter: { submitBlock: () => Promise.resolve(null) }, nodeAddress: addr(99), now: () => clock.ms });
    for (const username of [addr(1), `${addr(2)}/0.001`, `${addr(3)}/1e9`]) {
      work.workChanged(true);
      // A hash-rate estimate that moves the node's target off the easiest.
      work.hashrate.add(clock.ms - 5000, 1n << 230n, 'x', false);
      work.hashrate.add(clock.ms, 1n << 230n, 'x', false);
      const auth = work.authorize(username);
      if (!auth.ok) throw new Error(auth.reason);
      const predicted = work.shareTargetFor(auth.miner);
      const job = work.makeJob(auth.miner, Buffer.alloc(4));
      if ('unavailable' in job) throw new Error(job.unavailable);
      expect(job.shareTarget).toBe(predicted);
    }
  });
});

describe('P2PoolNetwork.simulatedPow', () => {
  it('feeds the drawn value to the real PoW check, keyed by the header hash', () => {
    const template = emptyTemplate({ bits: 0x1d00ffff });
    const gen = generateShare({
      net, chain: new ShareTracker({ chainLength: net.chainLength }, () => undefined), version: 35,
      shareData: { previousShareHash: null, coinbase: Buffer.from('0351aa', 'hex'), nonce: 1, address: addr(1), subsidy: 5e9, donation: 0, staleInfo: 'none', desiredVersion: 35 },
      blockTarget: bitsToTarget(template.bits), desiredTimestamp: 1_700_000_000, desiredTarget: 1n << 200n, segwitData: template.segwitData,
    });
    const target = bitsToTarget(gen.shareInfo.bits);
    const minHeader = { version: template.version, prevBlock: template.prevBlock, timestamp: gen.shareInfo.timestamp, bits: template.bits, nonce: 7 };
    const header = encodeHeader({ ...minHeader, merkleRoot: gen.txid });
    const drawn = new Map<string, Buffer>();
    const simNet = { ...net, simulatedPow: (h: Buffer) => drawn.get(h.toString('hex')) };
    const solved = { minHeader, lastTxoutNonce: 0n, merkleLink: template.merkleLink, merkleRoot: gen.txid };
    // The header's real hash misses a 2**200 target (odds 2**-56); the drawn value meets it.
    drawn.set(sha256d(header).toString('hex'), bigIntToHash(target - 5n));
    const share = assembleShare({ ...gen, net: simNet }, solved);
    expect(share.powHash.equals(bigIntToHash(target - 5n))).toBe(true);
    drawn.set(sha256d(header).toString('hex'), bigIntToHash(target + 1n));
    expect(() => assembleShare({ ...gen, net: simNet }, solved)).toThrow(/share PoW invalid/);
    expect(() => assembleShare(gen, solved)).toThrow(/share PoW invalid/);
  });
});

describe("ChainState's verify option", () => {
  it('is what the tracker calls for each share', () => {
    const { shares } = buildChain(net, emptyTemplate(), Array.from({ length: 5 }, (_, i) => ({ address: addr(i), timestamp: 1_700_000_000 + 30 * i })));
    const seen: string[] = [];
    const chain = new ChainState({ net, now: () => 1_700_001_000_000, verify: (s) => seen.push(s.hash) });
    chain.addShares(shares);
    expect(seen.sort()).toEqual(shares.map((s) => s.hash).sort());
    expect(chain.best).toBe(shares[4]!.hash);
  });
});

/** orderPayouts as it was before the sort change: the reference order, written out plainly. */
function referenceOrder(amounts: Map<string, bigint>, donationKey: string): Array<{ payee: string; value: bigint }> {
  const keys = [...amounts.keys()].sort((a, b) => {
    const da = a === donationKey ? 1 : 0;
    const db = b === donationKey ? 1 : 0;
    if (da !== db) return da - db;
    const va = amounts.get(a)!;
    const vb = amounts.get(b)!;
    if (va !== vb) return va < vb ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const out = keys.slice(-MAX_COINBASE_DESTINATIONS).filter((k) => k !== donationKey && amounts.get(k) !== 0n).map((payee) => ({ payee, value: amounts.get(payee)! }));
  out.push({ payee: donationKey, value: amounts.get(donationKey) ?? 0n });
  return out;
}

describe('payout outputs, made once per weights result (gentx.ts payoutList, serializePayouts)', () => {
  it('each finder\'s outputs are its amounts\' (scripts and values), the others\' outputs shared; serialized as encodeTransaction writes them', () => {
    const net = getP2PoolNetwork('bitcoin');
    const address = (i: number): string => scriptToAddress(witnessScript(0, hash160(Buffer.from(`payout ${i}`))), net.parent)!;
    const weights = new Map(Array.from({ length: 40 }, (_, i) => [address(i), BigInt(1_000_000 + ((i * 7919) % 113) * 1000)] as [string, bigint]));
    let total = 5n;
    for (const w of weights.values()) total += w;
    const cw = { weights, totalWeight: total, donationWeight: 5n };
    const don = donationPayee(net.parent);
    const subsidy = 312_500_000n;
    const lists = new Map<string, ReturnType<typeof payoutList>>();
    for (const finder of [address(3), address(39), address(1000), don]) {
      const list = payoutList(cw, subsidy, finder, 35, net);
      lists.set(finder, list);
      const amounts = payoutsFromWeights(cw, subsidy, finder, don);
      expect(list.map((o) => o.value)).toEqual(amounts.map((a) => Number(a.value)));
      expect(list.map((o) => o.script)).toEqual(amounts.map((a) => (a.payee === don ? DONATION_SCRIPT : payoutScriptForAddress(a.payee, net.parent, 35))));
      expect(payoutList(cw, subsidy, finder, 35, net)).toBe(list);
      const tx = encodeTransaction({ version: 1, inputs: [], outputs: list, locktime: 0 }, { witness: false });
      expect(serializePayouts(list).bytes.equals(tx.subarray(5 + compactSizeLength(list.length), tx.length - 4))).toBe(true);
    }
    // The two in-window finders' lists hold the same output objects for everyone else.
    const a = lists.get(address(3))!;
    const b = lists.get(address(39))!;
    const shared = a.filter((o) => b.includes(o));
    expect(shared.length).toBe(a.length - 3); // all but the two finders' and the donation's
  });
});

describe('orderPayouts', () => {
  it('orders exactly as before, ties, zeros, the 4,000 cut and huge values included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.oneof(fc.bigInt({ min: 0n, max: 50n }), fc.bigInt({ min: 0n, max: 1n << 70n }))), { maxLength: 60 }),
        fc.boolean(),
        (entries, withDonation) => {
          const amounts = new Map<string, bigint>(entries);
          if (withDonation) amounts.set('DON', 3n);
          expect(orderPayouts(amounts, 'DON')).toEqual(referenceOrder(amounts, 'DON'));
        },
      ),
      { numRuns: 300 },
    );
    const many = new Map(Array.from({ length: 4100 }, (_, i) => [`p${i}`, BigInt(i % 97)] as [string, bigint]));
    many.set('DON', 0n);
    expect(orderPayouts(many, 'DON')).toEqual(referenceOrder(many, 'DON'));
  });

  it('payoutsFromWeights, which gentx.ts uses, gives what computeAmounts then orderPayouts give, finder anywhere', () => {
    const check = (weights: Map<string, bigint>, finder: string, subsidy: bigint): void => {
      let total = 0n;
      for (const w of weights.values()) total += w;
      const cw = { weights, totalWeight: total + 7n, donationWeight: 7n };
      expect(payoutsFromWeights(cw, subsidy, finder, 'DON')).toEqual(orderPayouts(computeAmounts(cw, subsidy, finder, 'DON'), 'DON'));
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'DON'), fc.bigInt({ min: 1n, max: 1n << 40n })), { maxLength: 8 }),
        fc.constantFrom('a', 'c', 'z', 'DON'),
        fc.bigInt({ min: 0n, max: 5_000_000_000n }),
        (entries, finder, subsidy) => check(new Map(entries), finder, subsidy),
      ),
      { numRuns: 300 },
    );
    // The 4,000-destination cut, with the finder's entry moving across it.
    const many = new Map(Array.from({ length: 4100 }, (_, i) => [`p${i}`, BigInt(1 + (i % 97))] as [string, bigint]));
    check(many, 'p5', 5_000_000_000n);
    check(many, 'new', 5_000_000_000n);
  });
});

describe('PPLNS windows and pruning', () => {
  it('keep the windows pruning does not touch, and stay exact', () => {
    const tracker = new ShareTracker({ chainLength: 50 }, () => undefined);
    const main = makeChain(400, null, (i) => ({ work: BigInt(1 + (i % 5)), payee: `m${i % 7}`, donation: i % 4 === 0 ? 655 : 0 }));
    for (const s of main) tracker.add(s);
    const fork = makeChain(5, main[390]!.hash, (i) => ({ work: 2n, payee: 'f', salt: `fork${i}` }));
    for (const s of fork) tracker.add(s);
    const windows = (): unknown[] => (tracker as unknown as { windows: { windows: unknown[] } }).windows.windows;
    const naive = (start: ShareHash, max: number, desired: bigint): Map<string, bigint> => {
      const w = new Map<string, bigint>();
      let total = 0n;
      let n = 0;
      for (let s: Share | undefined = tracker.get(start); s && n < max && total < desired; s = s.prevHash === null ? undefined : tracker.get(s.prevHash), n++) {
        const att = s.work;
        const d = BigInt(s.shareInfo.shareData.donation);
        let pw = att * (65535n - d);
        let tw = att * 65535n;
        if (total + tw > desired) {
          pw = (((desired - total) / 65535n) * pw) / att;
          tw = desired - total;
        }
        if (pw > 0n) w.set(s.payee, (w.get(s.payee) ?? 0n) + pw);
        total += tw;
      }
      return w;
    };
    const desired = 65535n * 150n;
    const top = main[399]!.hash;
    expect(tracker.cumulativeWeights(top, 49, desired).weights).toEqual(naive(top, 49, desired));
    const warm = windows()[0];
    // Pruning the bottom and eating the side fork leave the main window alone...
    for (let i = 0; i < 100; i++) tracker.removeRoot(main[i]!.hash);
    tracker.removeWithDescendants(fork[0]!.hash);
    expect(windows()[0]).toBe(warm);
    expect(tracker.cumulativeWeights(top, 49, desired).weights).toEqual(naive(top, 49, desired));
    // ...removing shares inside it drops it, and the next query is exact again.
    tracker.removeWithDescendants(main[380]!.hash);
    expect(windows()).not.toContain(warm);
    const newTop = main[379]!.hash;
    expect(tracker.cumulativeWeights(newTop, 49, desired).weights).toEqual(naive(newTop, 49, desired));
    // A window reaching down to the root is dropped when the root goes.
    const low = main[120]!.hash;
    tracker.cumulativeWeights(low, 49, desired);
    const count = windows().length;
    for (let i = 100; i < 110; i++) tracker.removeRoot(main[i]!.hash);
    expect(windows().length).toBe(count - 1);
    expect(tracker.cumulativeWeights(low, 49, desired).weights).toEqual(naive(low, 49, desired));
  });
});

describe('Forest removal', () => {
  it('leaves removed nodes holding no links, so pruned shares can be freed', () => {
    const tracker = new ShareTracker({ chainLength: 50 }, () => undefined);
    const chain = makeChain(600, null, () => ({}));
    for (const s of chain) tracker.add(s);
    // Jump tables reach far down (getNthParent fills them).
    expect(tracker.getNthParent(chain[599]!.hash, 500)).toBe(chain[99]!.hash);
    for (let i = 0; i < 300; i++) tracker.removeRoot(chain[i]!.hash);
    type Node = { up: Node[]; parent?: Node; removed: boolean };
    const live = (h: string): Node => tracker.all.node(h) as unknown as Node;
    let seenRemoved = 0;
    for (const s of chain.slice(300)) {
      for (const target of live(s.hash).up) {
        if (target?.removed) {
          seenRemoved++;
          expect(target.up).toEqual([]);
          expect(target.parent).toBeUndefined();
          expect((target as { item?: unknown }).item).toBeUndefined();
        }
      }
    }
    expect(seenRemoved).toBeGreaterThan(0);
    // And the chain still answers as before.
    expect(tracker.getNthParent(chain[599]!.hash, 299)).toBe(chain[300]!.hash);
    expect(tracker.getHeight(chain[599]!.hash)).toBe(300);
  });
});

describe('One Share object in several trackers (p2pool simulate)', () => {
  it("gives each tracker its own first-seen time: the best-share tie-break and pruning read the tracker's", () => {
    const base = makeChain(10, null, () => ({ work: 5n }));
    const [a, b] = [0, 1].map((i) => makeChain(1, base[9]!.hash, () => ({ work: 5n, salt: `twin${i}`, timeSeen: 1_000 }))[0]!);
    const opts = { chainLength: 32, blockPeriod: 600, getHeightRelHighest: () => 0, punish: () => 0 };
    const bestWith = (seenA: number, seenB: number): { best: string | null; tracker: ShareTracker } => {
      const tracker = new ShareTracker({ chainLength: 32 }, () => true);
      for (const s of base) tracker.add(s);
      tracker.noteSeen(a!.hash, seenA);
      tracker.noteSeen(b!.hash, seenB);
      tracker.add(a!);
      tracker.add(b!);
      tracker.verifyHeads();
      return { best: chooseBest(tracker, opts).best, tracker };
    };
    // Equal work: the earlier seen wins, by each tracker's own times (the objects say 1,000 for both).
    expect(bestWith(100_000, 200_000).best).toBe(a!.hash);
    const { best, tracker } = bestWith(300_000, 200_000);
    expect(best).toBe(b!.hash);
    expect([a!.timeSeen, b!.timeSeen]).toEqual([1_000, 1_000]);
    expect(tracker.timeSeen(base[0]!.hash)).toBe(0); // not noted: the object's own
    // Pruning reads it too: at 450 s a head first seen at 200 s is not 5 minutes old (by the
    // object's 1 s it would be); at 510 s it is.
    expect(pruneTracker(tracker, { now: 450, chainLength: 32, keep: new Set([a!.hash]) })).toEqual([]);
    expect(pruneTracker(tracker, { now: 510, chainLength: 32, keep: new Set([a!.hash]) }).map((s) => s.hash)).toEqual([b!.hash]);
    expect(tracker.timeSeen(b!.hash)).toBe(0); // forgotten with the share
  });

  it('weighs a share once for every tracker holding it, with the same PPLNS weights as a naive walk', () => {
    const chain = makeChain(120, null, (i) => ({ work: BigInt(1 + (i % 3)), payee: `p${i % 5}`, donation: i % 2 ? 655 : 0 }));
    const trackers = [0, 1].map(() => new ShareTracker({ chainLength: 50 }, () => undefined));
    for (const t of trackers) for (const s of chain) t.add(s);
    const top = chain[119]!.hash;
    const want = new Map<string, bigint>();
    let total = 0n;
    for (const s of chain.slice(70).reverse()) {
      const d = BigInt(s.shareInfo.shareData.donation);
      want.set(s.payee, (want.get(s.payee) ?? 0n) + s.work * (65535n - d));
      total += s.work * 65535n;
    }
    for (const t of trackers) {
      const w = t.cumulativeWeights(top, 50, 1n << 60n);
      expect(w.weights).toEqual(want);
      expect(w.totalWeight).toBe(total);
    }
  });
});
