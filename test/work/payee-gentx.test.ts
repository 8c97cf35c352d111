/**
 * The mining hot path's per-payee gentx (src/work/payee-gentx.ts) must be byte-identical to the
 * general builder (sharechain/gentx.ts generateShare, itself checked against the reference's
 * shares in test/sharechain/gentx.test.ts) for every payee: miners in the PPLNS window (small,
 * large and tied amounts), new payees, every address type a v35 share can pay (P2PKH, P2SH,
 * P2WPKH, P2WSH), with and without donations in the window and in the share being built.
 */
import { describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { hash160, sha256, sha256d } from '../../src/bitcoin/hash.js';
import { displayHexToHash } from '../../src/bitcoin/hex.js';
import { p2pkhScript, p2shScript, witnessScript } from '../../src/bitcoin/script.js';
import { bitsToTarget } from '../../src/bitcoin/target.js';
import { coinbaseSigopCost } from '../../src/bitcoin/sigops.js';
import { decodeTransaction, encodeTransaction } from '../../src/bitcoin/transaction.js';
import { donationPayee } from '../../src/sharechain/coinbase-layout.js';
import { generateShare, type GentxParams } from '../../src/sharechain/gentx.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { notifyLine, notifyLineBytes } from '../../src/stratum/notify-line.js';
import type { Job } from '../../src/work/job.js';
import { GenerationBase, PayeeGentx } from '../../src/work/payee-gentx.js';
import { buildChain, emptyTemplate, type ShareSpec } from '../support/chain-builder.js';

const net = getP2PoolNetwork('regtest');
const KINDS = ['P2WPKH', 'P2SH', 'P2PKH', 'P2WSH'] as const;
/**
 * The output script of payee `i` of a salt; its kind is KINDS[i % 4]. P2WSH programs start with
 * 0xab: v35 cannot pay a witness program whose first byte is below 0x10 (payout-script.ts: the
 * reference's padding bug crashes on it).
 */
function scriptFor(i: number, salt = 'payee'): Buffer {
  const h = hash160(Buffer.from(`${salt} ${i}`));
  const program32 = Buffer.concat([Buffer.from([0xab]), sha256(h).subarray(1)]);
  return [witnessScript(0, h), p2shScript(h), p2pkhScript(h), witnessScript(0, program32)][i % 4]!;
}
const addr = (i: number, salt = 'payee'): string => scriptToAddress(scriptFor(i, salt), net.parent)!;

// Difficulty-1 block bits so the PPLNS window is bounded by the chain, not by SPREAD blocks.
const BITS = 0x1d00ffff;
const template = emptyTemplate({ bits: BITS });
const t0 = 1_700_000_000;

/**
 * 80 shares by 12 payees with uneven shares of the window (payee 0 has many, 11 a single one,
 * several tie), every address kind; donations in some shares when `donations`.
 */
function windowChain(donations: boolean) {
  const specs: ShareSpec[] = Array.from({ length: 80 }, (_, i) => ({
    address: addr(i % 7 === 0 ? 0 : i % 12),
    timestamp: t0 + i * net.sharePeriod,
    donation: donations && i % 5 === 0 ? 655 : 0,
  }));
  const { chain, shares } = buildChain(net, template, specs);
  return { chain, tip: shares[shares.length - 1]! };
}
/**
 * Ties: 200 shares of equal work, so the window (the 199 below the tip) gives a payee with one
 * share subsidy * 199 / (200 * 199) = exactly the 0.5% bonus when the subsidy is a multiple of
 * 200, and one with two shares twice that. A new payee then ties with every one-share payee, and
 * a one-share finder with every two-share payee: only the address order (docs/sharechain.md#pplns: sort by
 * (amount, address)) places the finder.
 */
function tiedChain() {
  const specs: ShareSpec[] = Array.from({ length: 200 }, (_, i) => {
    // 8 one-share payees (i < 8), 8 two-share payees (8 <= i < 24), the rest payee 'heavy'.
    const address = i < 8 ? addr(i, 'single') : i < 24 ? addr((i - 8) >> 1, 'double') : addr(0, 'heavy');
    return { address, timestamp: t0 + i * net.sharePeriod };
  });
  const { chain, shares } = buildChain(net, template, specs);
  return { chain, tip: shares[shares.length - 1]! };
}
const chains = {
  'no donations in the window': windowChain(false),
  'donations in the window': windowChain(true),
  'tied amounts': tiedChain(),
};

function params(c: (typeof chains)[keyof typeof chains], address: string, nonce: number, subsidy: number, donation: number): GentxParams {
  return {
    net,
    chain: c.chain,
    version: 35,
    shareData: {
      previousShareHash: displayHexToHash(c.tip.hash),
      coinbase: Buffer.from('036f00000b2f50325f506f6f6c2d54532f', 'hex'),
      nonce,
      address,
      subsidy,
      donation,
      staleInfo: 'none',
      desiredVersion: 35,
    },
    blockTarget: bitsToTarget(BITS),
    desiredTimestamp: t0 + 80 * net.sharePeriod + 5,
    desiredTarget: (1n << 256n) - 1n,
    segwitData: template.segwitData,
  };
}

/** In the window: the 12 chain payees (3 of each kind). New: 40 fresh ones (10 of each kind). */
const inWindow = Array.from({ length: 12 }, (_, i) => addr(i));
const newPayees = Array.from({ length: 40 }, (_, i) => addr(i, 'new payee'));
const tiedPayees = [
  ...Array.from({ length: 8 }, (_, i) => addr(i, 'single')),
  ...Array.from({ length: 8 }, (_, i) => addr(i, 'double')),
  addr(0, 'heavy'),
  ...newPayees,
];

describe('GenerationBase.forPayee', () => {
  const configs = [
    // [window, subsidy, share_data.donation (the node's --give-author, 0..65535)]
    ['no donations in the window', 5_000_041_930, 0],
    ['no donations in the window', 312_500_777, 3000],
    ['donations in the window', 5_000_041_930, 0],
    ['donations in the window', 312_500_777, 3000],
    ['tied amounts', 5_000_000_000, 0],
    ['tied amounts', 5_000_000_000, 3000],
  ] as const;

  for (const [window, subsidy, donation] of configs) {
    it(`matches generateShare byte for byte for payees of every kind, in and out of the window (${window}, subsidy ${subsidy}, donation ${donation})`, () => {
      const c = chains[window];
      const base = new GenerationBase(params(c, addr(0), 1, subsidy, donation));
      expect(base.usable).toBe(true);
      expect(base.splicesShareInfo).toBe(true);
      const payees = window === 'tied amounts' ? tiedPayees : [...inWindow, ...newPayees];
      // One gentx refilled for every payee in turn (a Stratum session's recycled job, pool-work.ts):
      // each fill is that payee's bytes, and the coinb1 handed out before it stays as it was.
      const reused = new PayeeGentx();
      let held: { coinb1: Buffer; hex: string } | null = null;
      payees.forEach((address, i) => {
        const nonce = (0x9e3779b9 * (i + 1)) >>> 0;
        const fast = base.forPayee(address, nonce)!;
        const gen = generateShare(params(c, address, nonce, subsidy, donation));
        expect(fast.coinb1Hex, `payee ${i} (${KINDS[i % 4]})`).toBe(gen.coinb1.toString('hex'));
        // Written into a line at an offset (the notify's path): exactly its bytes, nothing around.
        const into = Buffer.alloc(fast.coinb1HexLength + 5, 0x2a);
        expect(fast.writeCoinb1Hex(into, 3)).toBe(3 + fast.coinb1HexLength);
        expect(into.toString('latin1', 3, 3 + fast.coinb1HexLength)).toBe(gen.coinb1.toString('hex'));
        expect([into[2], into[3 + fast.coinb1HexLength]]).toEqual([0x2a, 0x2a]);
        // Its bytes, made from the pieces' bytes (not from the hex): the same, at an offset too.
        expect(base.forPayee(address, nonce)!.coinb1.equals(gen.coinb1)).toBe(true);
        const bytesInto = Buffer.alloc(gen.coinb1.length + 5, 0x2a);
        expect(fast.writeCoinb1(bytesInto, 3)).toBe(3 + gen.coinb1.length);
        expect(bytesInto.subarray(3, 3 + gen.coinb1.length).equals(gen.coinb1)).toBe(true);
        expect([bytesInto[2], bytesInto[3 + gen.coinb1.length]]).toEqual([0x2a, 0x2a]);
        expect(fast.coinb1.equals(gen.coinb1)).toBe(true);
        expect(fast.coinb2.equals(gen.coinb2)).toBe(true);
        expect(fast.refHash.equals(gen.refHash)).toBe(true);
        // coinb1's SHA-256 prefix, made without its bytes (a fresh gentx) and from them: a
        // submit's coinbase txid, for any nonce area and locktime after it.
        const suffix = Buffer.concat([Buffer.from('0102030405060708', 'hex'), gen.coinb2]);
        const txid = sha256d(Buffer.concat([gen.coinb1, suffix]));
        const digest = (g: PayeeGentx): Buffer => {
          const out = Buffer.alloc(32);
          g.prefix().digestInto(suffix, out);
          return out;
        };
        expect(digest(base.forPayee(address, nonce)!).equals(txid)).toBe(true);
        expect(digest(fast).equals(txid)).toBe(true);
        expect(base.forPayeeInto(address, nonce, reused)).toBe(true);
        // The refilled gentx's prefix is this payee's, not the one made for the payee before.
        expect(digest(reused).equals(txid)).toBe(true);
        reused.shed();
        expect(digest(reused).equals(txid)).toBe(true);
        expect(reused.coinb1Hex).toBe(gen.coinb1.toString('hex'));
        expect(reused.refHash.equals(gen.refHash)).toBe(true);
        if (held !== null) expect(held.coinb1.toString('hex')).toBe(held.hex);
        held = { coinb1: reused.coinb1, hex: gen.coinb1.toString('hex') };
      });
    });
  }

  it('the mining.notify line written as bytes from the payee gentx is the string line of the same job', () => {
    const c = chains['no donations in the window'];
    const base = new GenerationBase(params(c, addr(0), 1, 5_000_041_930, 0));
    for (const address of [addr(3), newPayees[0]!]) {
      const fast = base.forPayee(address, 7)!;
      const job: Job = {
        id: '1f', prevBlock: Buffer.alloc(32, 0x11), coinb1: fast.coinb1, coinb2: fast.coinb2, merkleBranch: [Buffer.alloc(32, 0x22), Buffer.alloc(32, 0x33)],
        version: 0x20000000, bits: BITS, ntime: t0 + 5, minTime: t0, blockTarget: 1n, shareTarget: 1n, createdAt: 0, context: null,
      };
      const withoutId = (line: string): string => line.replace(/^\{"id":\d+,/, '{"id":0,');
      const text = notifyLine(job, true);
      const bytes = notifyLineBytes({ ...job, coinb1HexSource: fast }, true);
      expect(withoutId(bytes.toString('latin1'))).toBe(withoutId(text));
      expect(JSON.parse(bytes.toString('latin1')).params[2]).toBe(fast.coinb1.toString('hex'));
    }
  });

  it('pays each in-window payee its amount plus the 0.5% bonus, and a new payee the bonus alone, in one more output', () => {
    const c = chains['no donations in the window'];
    const subsidy = 5_000_041_930;
    const base = new GenerationBase(params(c, addr(0), 1, subsidy, 0));
    // The finder's amount as the reference's rules give it: subsidy // 200 on top of its PPLNS share.
    const bonus = Math.floor(subsidy / 200);
    const outputsOf = (address: string) => {
      const hex = base.forPayee(address, 5)!.coinb1Hex;
      // coinb1 + last_txout_nonce + locktime is the whole stripped gentx.
      return decodeTransaction(Buffer.from(`${hex}0000000000000000${'00'.repeat(4)}`, 'hex')).outputs;
    };
    const other = outputsOf(addr(0));
    const mine = outputsOf(addr(3));
    const fresh = outputsOf(newPayees[0]!);
    expect(fresh.length).toBe(mine.length + 1);
    const paid = (script: Buffer, outs: typeof mine) => outs.find((o) => o.script.equals(script))!.value;
    expect(paid(scriptFor(3), mine) - paid(scriptFor(3), other)).toBe(bonus);
    expect(paid(scriptFor(0, 'new payee'), fresh)).toBe(bonus);
    for (const outs of [other, mine, fresh]) expect(outs.reduce((sum, o) => sum + o.value, 0)).toBe(subsidy);
  });

  it('the tied window does tie: one-share payees are paid exactly the bonus, two-share payees twice it', () => {
    const c = chains['tied amounts'];
    const subsidy = 5_000_000_000;
    const gen = generateShare(params(c, newPayees[0]!, 1, subsidy, 0));
    const paid = (script: Buffer) => gen.payouts.find((o) => o.script.equals(script))?.value;
    for (let i = 0; i < 8; i++) expect(paid(scriptFor(i, 'single'))).toBe(subsidy / 200);
    for (let i = 0; i < 8; i++) expect(paid(scriptFor(i, 'double'))).toBe(subsidy / 100);
    expect(paid(scriptFor(0, 'new payee'))).toBe(subsidy / 200);
  });

  it('leaves the donation address itself to the general builder', () => {
    const c = chains['no donations in the window'];
    const base = new GenerationBase(params(c, addr(0), 1, 5_000_041_930, 0));
    expect(base.forPayee(donationPayee(net.parent), 7)).toBeNull();
  });
});

describe('GenerationBase.coinbase: the largest gentx of the work (what the block must leave room for)', () => {
  for (const window of Object.keys(chains) as (keyof typeof chains)[]) {
    it(`bounds every payee's gentx, and a new P2WSH / P2PKH finder reaches the bound (${window})`, () => {
      const c = chains[window];
      const base = new GenerationBase(params(c, addr(0), 1, 5_000_000_000, 0));
      const bound = base.coinbase;
      let maxStripped = 0;
      let maxTotal = 0;
      let maxSigops = 0;
      const payees = [...inWindow, ...newPayees, ...tiedPayees];
      for (const address of payees) {
        const gen = generateShare(params(c, address, 3, 5_000_000_000, 0));
        const stripped = gen.stripped.length;
        const total = encodeTransaction(gen.gentx).length;
        const sigops = coinbaseSigopCost(gen.gentx);
        expect(stripped).toBeLessThanOrEqual(bound.strippedSize);
        expect(total).toBeLessThanOrEqual(bound.totalSize);
        expect(sigops).toBeLessThanOrEqual(bound.sigopCost);
        maxStripped = Math.max(maxStripped, stripped);
        maxTotal = Math.max(maxTotal, total);
        maxSigops = Math.max(maxSigops, sigops);
      }
      // A new P2WSH payee adds the longest output (43 bytes); a new P2PKH payee one more sigop.
      expect(maxStripped).toBe(bound.strippedSize);
      expect(maxTotal).toBe(bound.totalSize);
      expect(maxSigops).toBe(bound.sigopCost);
      // The segwit gentx's witness: marker, flag, one stack of one 32-byte item.
      expect(bound.totalSize - bound.strippedSize).toBe(2 + 1 + 1 + 32);
      const withNew = generateShare(params(c, newPayees[3]!, 3, 5_000_000_000, 0));
      expect(bound.payees).toBe(withNew.payouts.length);
    });
  }
});
