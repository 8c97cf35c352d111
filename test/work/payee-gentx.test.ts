/**
 * The mining hot path's per-payee gentx (src/work/payee-gentx.ts) must be byte-identical to the
 * general builder (sharechain/gentx.ts generateShare) for every payee: miners in the PPLNS
 * window (small, large and tied amounts), new payees, every address type, donations on.
 */
import { describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { displayHexToHash } from '../../src/bitcoin/hex.js';
import { p2pkhScript, p2shScript, witnessScript } from '../../src/bitcoin/script.js';
import { bitsToTarget } from '../../src/bitcoin/target.js';
import { donationPayee } from '../../src/sharechain/coinbase-layout.js';
import { generateShare, type GentxParams } from '../../src/sharechain/gentx.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { GenerationBase } from '../../src/work/payee-gentx.js';
import { buildChain, emptyTemplate, type ShareSpec } from '../support/chain-builder.js';

const net = getP2PoolNetwork('regtest');
const addr = (i: number): string => {
  const h = hash160(Buffer.from(`payee ${i}`));
  const script = i % 4 === 0 ? witnessScript(0, h) : i % 4 === 1 ? p2shScript(h) : i % 4 === 2 ? p2pkhScript(h) : witnessScript(0, Buffer.concat([Buffer.from([0xab]), h, h.subarray(0, 11)]));
  return scriptToAddress(script, net.parent)!;
};

// Difficulty-1 block bits so the PPLNS window is bounded by the chain, not by SPREAD blocks.
const BITS = 0x1d00ffff;
const template = emptyTemplate({ bits: BITS });
const t0 = 1_700_000_000;
// 12 payees with uneven shares of the window (payee 0 has many, 11 a single one), donations on some.
const specs: ShareSpec[] = Array.from({ length: 80 }, (_, i) => ({
  address: addr(i % 7 === 0 ? 0 : i % 12),
  timestamp: t0 + i * net.sharePeriod,
  donation: i % 5 === 0 ? 655 : 0,
}));
const { chain, shares } = buildChain(net, template, specs);
const tip = shares[shares.length - 1]!;

function params(address: string, nonce: number, subsidy = 5_000_041_930, donation = 0): GentxParams {
  return {
    net,
    chain,
    version: 35,
    shareData: {
      previousShareHash: displayHexToHash(tip.hash),
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

describe('GenerationBase.forPayee', () => {
  const payees = [...Array.from({ length: 12 }, (_, i) => addr(i)), addr(100), addr(101), addr(102), addr(103)];

  for (const [label, subsidy, donation] of [['no donation', 5_000_041_930, 0], ['with a donation, odd subsidy', 312_500_777, 3000]] as const) {
    it(`matches generateShare byte for byte for miners in and out of the window (${label})`, () => {
      const base = new GenerationBase(params(addr(0), 1, subsidy, donation));
      expect(base.usable).toBe(true);
      expect(base.splicesShareInfo).toBe(true);
      payees.forEach((address, i) => {
        const nonce = 0x1000 + i;
        const fast = base.forPayee(address, nonce)!;
        const gen = generateShare(params(address, nonce, subsidy, donation));
        expect(fast.coinb1.toString('hex')).toBe(gen.coinb1.toString('hex'));
        expect(fast.coinb1Hex).toBe(gen.coinb1.toString('hex'));
        expect(fast.coinb2).toEqual(gen.coinb2);
        expect(fast.refHash).toEqual(gen.refHash);
      });
    });
  }

  it('leaves the donation address itself to the general builder', () => {
    const base = new GenerationBase(params(addr(0), 1));
    expect(base.forPayee(donationPayee(net.parent), 7)).toBeNull();
  });
});
