/**
 * Fitting a template's transactions to the block limits (src/work/tx-selection.ts), one limit
 * at a time: weight, size without witness, sigop cost. Dropped first is the package (a
 * transaction and everything spending it) with the lowest fee rate; no kept transaction ever
 * has a dropped parent; Litecoin's HogEx and what it spends stay. The last cases run on
 * Bitcoin Core's own regtest template with a chain of unconfirmed parents (`depends`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBlockTemplate } from '../../src/chain/block-template.js';
import { templateCosts } from '../../src/work/job-transactions.js';
import { selectTransactions, WEIGHT_PER_SIGOP, type Room, type TxCost } from '../../src/work/tx-selection.js';

const tx = (weight: number, fee: number, opts: Partial<TxCost> = {}): TxCost => ({ weight, strippedSize: weight / 4, sigopCost: 0, fee, parents: [], ...opts });
const ROOMY: Room = { weight: 1e9, strippedSize: 1e9, sigopCost: 1e9 };

/** Every kept transaction's parents are kept, and the totals are within the room. */
function expectValid(txs: readonly TxCost[], room: Room, keep: readonly boolean[]): void {
  let w = 0;
  let s = 0;
  let c = 0;
  txs.forEach((t, i) => {
    if (!keep[i]) return;
    for (const p of t.parents) expect(keep[p], `tx ${i} kept without its parent ${p}`).toBe(true);
    w += t.weight;
    s += t.strippedSize;
    c += t.sigopCost;
  });
  expect(w).toBeLessThanOrEqual(room.weight);
  expect(s).toBeLessThanOrEqual(room.strippedSize);
  expect(c).toBeLessThanOrEqual(room.sigopCost);
}

describe('selectTransactions', () => {
  it('keeps everything when everything fits', () => {
    const txs = [tx(1000, 10), tx(2000, 1), tx(400, 100)];
    const s = selectTransactions(txs, { weight: 3400, strippedSize: 850, sigopCost: 0 });
    expect(s.keep).toEqual([true, true, true]);
    expect(s).toMatchObject({ droppedCount: 0, droppedFees: 0, weight: 3400, fits: true });
  });

  it('weight: drops the lowest fee rates first, until the rest fits', () => {
    // Rates (sat per weight unit): 1, 0.1, 2, 0.5, 0.25.
    const txs = [tx(1000, 1000), tx(1000, 100), tx(1000, 2000), tx(1000, 500), tx(1000, 250)];
    const room = { ...ROOMY, weight: 3000 };
    const s = selectTransactions(txs, room);
    expect(s.keep).toEqual([true, false, true, true, false]);
    expect(s.droppedFees).toBe(350);
    expect(s.weight).toBe(3000);
    expectValid(txs, room, s.keep);
  });

  it('size without witness: binds on its own when the room for it is the smaller one', () => {
    // Same weight and fee rate by weight; the witness-light ones take more of the stripped room.
    const txs = [
      tx(4000, 4000, { strippedSize: 1000 }), // no witness
      tx(4000, 3000, { strippedSize: 400 }), // mostly witness
      tx(4000, 3000, { strippedSize: 400 }),
      tx(4000, 1000, { strippedSize: 1000 }),
    ];
    const room = { weight: 16_000, strippedSize: 1900, sigopCost: 1e9 };
    const s = selectTransactions(txs, room);
    // The weight room fits all four; the stripped room does not: the lowest rate goes.
    expect(s.keep).toEqual([true, true, true, false]);
    expect(s.strippedSize).toBe(1800);
    expectValid(txs, room, s.keep);
  });

  it('sigops: a sigop-heavy transaction ranks by its sigop-adjusted size and goes first', () => {
    // tx 0 pays the best rate by weight, but its 400 sigop cost weighs like 8,000 WU
    // (Core DEFAULT_BYTES_PER_SIGOP): per adjusted size it is the cheapest.
    const txs = [tx(1000, 3000, { sigopCost: 400 }), tx(1000, 1000, { sigopCost: 4 }), tx(1000, 1000, { sigopCost: 4 })];
    expect(WEIGHT_PER_SIGOP).toBe(20);
    const room = { weight: 1e9, strippedSize: 1e9, sigopCost: 300 };
    const s = selectTransactions(txs, room);
    expect(s.keep).toEqual([false, true, true]);
    expect(s.sigopCost).toBe(8);
    expectValid(txs, room, s.keep);
  });

  it('never keeps a child whose parent was dropped: a whole chain goes with its root', () => {
    // 0 <- 1 <- 2 (each spends the previous), all cheap; 3 is unrelated and pays well.
    const txs = [tx(1000, 100), tx(1000, 150, { parents: [0] }), tx(1000, 120, { parents: [1] }), tx(1000, 5000)];
    const room = { ...ROOMY, weight: 1500 };
    const s = selectTransactions(txs, room);
    expect(s.keep).toEqual([false, false, false, true]);
    expectValid(txs, room, s.keep);
  });

  it('judges a parent with its children (child pays for parent): the package rate decides', () => {
    // Parent 0 pays little, its child 1 a lot: together 0.9 sat/WU, better than tx 2 (0.5).
    const txs = [tx(1000, 100), tx(1000, 1700, { parents: [0] }), tx(1000, 500)];
    const room = { ...ROOMY, weight: 2000 };
    const s = selectTransactions(txs, room);
    expect(s.keep).toEqual([true, true, false]);
    // And when the package is the cheapest, both go, although the child alone pays the most.
    const cheap = [tx(5000, 500), tx(100, 200, { parents: [0] }), tx(1000, 500)];
    const s2 = selectTransactions(cheap, { ...ROOMY, weight: 4000 });
    expect(s2.keep).toEqual([false, false, true]);
    expect(s2.droppedFees).toBe(700);
  });

  it('puts back what fits once a large package made room', () => {
    // Over by 5,000: the cheapest (tx 0, 100 WU) goes first, then tx 1 (10,000 WU); tx 0 fits again.
    const txs = [tx(100, 10), tx(10_000, 2000), tx(10_000, 50_000)];
    const room = { ...ROOMY, weight: 15_100 };
    const s = selectTransactions(txs, room);
    expect(s.keep).toEqual([true, false, true]);
    expect(s.droppedFees).toBe(2000);
    expectValid(txs, room, s.keep);
  });

  it('keeps a mandatory transaction (Litecoin\'s HogEx) and what it spends, whatever they pay', () => {
    const txs = [tx(1000, 1), tx(1000, 5000), tx(1000, 0, { parents: [0] })];
    const room = { ...ROOMY, weight: 2000 };
    const s = selectTransactions(txs, room, [2]);
    expect(s.keep).toEqual([true, false, true]);
    expect(s.fits).toBe(true);
    const tooSmall = selectTransactions(txs, { ...ROOMY, weight: 1500 }, [2]);
    expect(tooSmall.fits).toBe(false);
    expect(tooSmall.keep).toEqual([true, false, true]);
  });

  it('drops everything droppable and says so when even the coinbase leaves no room', () => {
    const s = selectTransactions([tx(1000, 10)], { ...ROOMY, weight: -10 });
    expect(s.keep).toEqual([false]);
    expect(s.fits).toBe(false);
  });
});

describe('selectTransactions on Bitcoin Core\'s regtest template with unconfirmed parents', () => {
  const gbt = JSON.parse(readFileSync(new URL('../fixtures/bitcoin-core-regtest/gbt-height112-chained.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const template = parseBlockTemplate(gbt);
  const costs = templateCosts(template, { mweb: false });

  it('reads weight, size, sigops, fees and parents as Core gave them', () => {
    template.transactions.forEach((t, i) => {
      expect(costs[i]!.weight).toBe(t.weight);
      expect(costs[i]!.sigopCost).toBe(t.sigops);
      expect(costs[i]!.fee).toBe(t.fee);
      expect(costs[i]!.parents).toEqual(t.depends.map((d) => d - 1));
      expect(costs[i]!.strippedSize * 3 + t.data.length).toBe(t.weight);
    });
    // Transactions 2, 3, 4 (1-based) form a chain on transaction 1.
    expect(costs.slice(0, 4).map((c) => c.parents)).toEqual([[], [0], [1], [2]]);
  });

  it('fits every room: no kept transaction without its parents, the cheapest packages out first', () => {
    const total = costs.reduce((s, c) => s + c.weight, 0);
    for (let room = 0; room <= total; room += 97) {
      const r = { ...ROOMY, weight: room };
      const s = selectTransactions(costs, r);
      expectValid(costs, r, s.keep);
      expect(s.droppedFees).toBe(template.transactions.reduce((f, t, i) => f + (s.keep[i] ? 0 : t.fee), 0));
    }
    // Room for all but 1,500 WU: the chain (its children pay 100,000 sat each) stays; what goes
    // are the wallet's plain ~2.5 sat/WU spends, at least 1,500 WU of them.
    const s = selectTransactions(costs, { ...ROOMY, weight: total - 1500 });
    expect(s.keep.slice(0, 4)).toEqual([true, true, true, true]);
    const dropped = costs.filter((_, i) => !s.keep[i]);
    expect(dropped.reduce((w, c) => w + c.weight, 0)).toBeGreaterThanOrEqual(1500);
    for (const c of dropped) expect(c.fee / c.weight).toBeLessThan(2.6);
  });
});
