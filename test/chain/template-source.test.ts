import { afterEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { parseBlockTemplate, type BlockTemplate } from '../../src/chain/block-template.js';
import { RpcConnectionError } from '../../src/chain/errors.js';
import { FEE_CHANGE_FRACTION, materialChange, TemplateSource, type TemplateChange } from '../../src/chain/template-source.js';

const fixture = (rel: string) => new URL(`../fixtures/${rel}`, import.meta.url);
const core111 = parseBlockTemplate(JSON.parse(readFileSync(fixture('bitcoin-core-regtest/gbt-height111-24tx.json'), 'utf8')));
const core112 = parseBlockTemplate(JSON.parse(readFileSync(fixture('bitcoin-core-regtest/gbt-height112-chained.json'), 'utf8')));

/** The same work with fewer transactions: fees and coinbasevalue go down together. */
function dropTransactions(t: BlockTemplate, keep: number): BlockTemplate {
  const transactions = t.transactions.slice(0, keep);
  const totalFees = transactions.reduce((s, x) => s + x.fee, 0);
  return { ...t, transactions, totalFees, coinbaseValue: t.coinbaseValue - t.totalFees + totalFees };
}

describe('materialChange', () => {
  it('a new previous block (Core 111 -> 112) is new work', () => {
    expect(materialChange(core111, core112)).toBe('new-block');
  });

  it('bits or version changes are new work; the same template is not', () => {
    expect(materialChange(core111, { ...core111, bits: 0x1d00ffff })).toBe('bits');
    expect(materialChange(core111, { ...core111, version: 0x30000000 })).toBe('version');
    expect(materialChange(core111, { ...core111, curtime: core111.curtime + 30 })).toBeNull();
  });

  it('fees: transactions appearing in an empty template, or a change above the threshold', () => {
    expect(materialChange(dropTransactions(core111, 0), core111)).toBe('fees');
    // Core 111 carries 41,930 sat of fees on a 50 BTC reward: 0.1% is 5,000,041 sat, so losing
    // every transaction but one is below the threshold...
    expect(FEE_CHANGE_FRACTION * core111.coinbaseValue).toBeGreaterThan(core111.totalFees);
    expect(materialChange(core111, dropTransactions(core111, 1))).toBeNull();
    // ...while the same fees on a reward a thousand times smaller are not.
    const small = { ...core111, coinbaseValue: 5_000_000 };
    expect(materialChange(small, { ...dropTransactions(small, 1), coinbaseValue: 5_000_000 })).toBe('fees');
  });
});

/** A fake bitcoind whose answers the test scripts. */
class FakeBitcoind {
  answer: BlockTemplate | Error = core111;
  calls = 0;
  async getBlockTemplate(): Promise<BlockTemplate> {
    this.calls++;
    await new Promise((r) => setImmediate(r));
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

const sources: TemplateSource[] = [];
afterEach(() => {
  for (const s of sources.splice(0)) s.stop();
});

function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => (cond() ? resolve() : Date.now() > end ? reject(new Error('timed out')) : setTimeout(tick, 5));
    tick();
  });
}

describe('TemplateSource', () => {
  it('emits the first template, then only material changes; a block notification refreshes at once', async () => {
    const fake = new FakeBitcoind();
    const notifier = new EventEmitter<{ block: [Buffer] }>();
    const src = new TemplateSource({ bitcoind: fake, blockNotifier: notifier, pollIntervalMs: 60_000, longPoll: false });
    sources.push(src);
    const seen: TemplateChange[] = [];
    src.on('template', (_t, change) => seen.push(change));
    await src.start();
    expect(seen).toEqual(['first']);
    expect(src.current).toBe(core111);

    notifier.emit('block', Buffer.alloc(32)); // same template: nothing new
    await until(() => fake.calls === 2);
    fake.answer = core112;
    notifier.emit('block', Buffer.alloc(32));
    await until(() => seen.length === 2);
    expect(seen).toEqual(['first', 'new-block']);
    expect(src.current).toBe(core112);
  });

  it('polls on its interval', async () => {
    const fake = new FakeBitcoind();
    const src = new TemplateSource({ bitcoind: fake, pollIntervalMs: 20, longPoll: false });
    sources.push(src);
    await src.start();
    await until(() => fake.calls >= 4);
  });

  it('bitcoind unreachable: stale once, logged once; resumes by itself with a fresh template', async () => {
    const fake = new FakeBitcoind();
    const logs: string[] = [];
    const src = new TemplateSource({
      bitcoind: fake, pollIntervalMs: 60_000, staleRetryMs: 10, longPoll: false,
      log: (level, msg) => logs.push(`${level} ${msg}`),
    });
    sources.push(src);
    const events: string[] = [];
    src.on('template', (_t, change) => events.push(change));
    src.on('stale', () => events.push('stale'));
    await src.start();

    fake.answer = new RpcConnectionError('cannot reach bitcoind RPC at 127.0.0.1:1 (getblocktemplate): connection refused', '127.0.0.1:1');
    await src.refresh();
    expect(src.stale).toBe(true);
    await until(() => fake.calls >= 6); // keeps retrying quickly
    expect(events).toEqual(['first', 'stale']);
    expect(logs.filter((l) => l.startsWith('warn'))).toHaveLength(1);
    expect(logs[0]).toContain('connection refused');

    fake.answer = core111; // back, with the very same template: still announced as new work
    await until(() => !src.stale);
    expect(events).toEqual(['first', 'stale', 'resumed']);
    expect(logs.filter((l) => l.startsWith('info'))).toHaveLength(1);
  });
});
