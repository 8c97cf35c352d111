/**
 * The spec's test vectors (test/fixtures/fair-sharechain/, made by scripts/make-fair-fixtures.ts
 * with real hashing on regtest-fair), checked against an independent model of
 * docs/fair-sharechain.md (test/support/fair-model.ts): its own parser, node:crypto, its own
 * PPLNS walk, lottery and coinbase. A share whose payouts the model computes differently would
 * not hash to the hash its child names as parent, nor to the fixture's hash.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFairShare } from '../../../src/sharechain/fair/share.js';
import { getFairNetwork } from '../../../src/sharechain/fair/networks.js';
import { FairModel, type ModelRules } from '../../support/fair-model.js';

const dir = new URL('../../fixtures/fair-sharechain/', import.meta.url);
const chainLines = readFileSync(new URL('regtest-chain.hex', dir), 'utf8').trim().split('\n');
interface Vector { name: string; hash: string; index: number; kind: string; hex: string; ref_hash: string; gentx_txid: string; payouts: Array<{ script: string; value: number }> }
const fixture = JSON.parse(readFileSync(new URL('vectors.json', dir), 'utf8')) as {
  identities: Record<string, { text: string; consensus_id: string; identifier: string; prefix: string }>;
  shares: Vector[];
};

/** The regtest-fair constants as docs/fair-sharechain.md#networks states them (typed here, not imported). */
function regtestRules(): ModelRules {
  const id = fixture.identities['regtest-fair']!;
  return {
    identifier: Buffer.from(id.identifier, 'hex'),
    linkPeriod: 10, linkLookbehind: 20, linkMaxTarget: (1n << 252n) - 1n, maxTarget: (1n << 256n) - 1n,
    floorRangeLog2: 16, floorLookbehind: 10, ceilingRefsPerLink: 30, floorStepDivisor: 32,
    bonusNumerator: 1, bonusDenominator: 10, windowLinks: 360, windowEntries: 32 * 360, spread: 2 ** 40, finderDivisor: 0,
  };
}

const dsha = (b: Buffer): Buffer => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

describe('fair sharechain test vectors', () => {
  it('identities: consensus_id = sha256d(text), identifier and prefix are its first 16 bytes, and the code agrees', () => {
    for (const [name, id] of Object.entries(fixture.identities)) {
      const digest = dsha(Buffer.from(id.text, 'utf8'));
      expect(digest.toString('hex')).toBe(id.consensus_id);
      expect(id.identifier).toBe(id.consensus_id.slice(0, 16));
      expect(id.prefix).toBe(id.consensus_id.slice(16, 32));
      const net = getFairNetwork(name);
      expect(net.consensusId.toString('hex')).toBe(id.consensus_id);
    }
    expect(fixture.identities['regtest-fair']!.text).toContain('\nlink_period=10\n');
    expect(fixture.identities['bitcoin-fair']!.text).toContain('\nwindow_links=8640\n');
  });

  it('every share of the chain hashes, by the model, to what its children name as parent', () => {
    const model = new FairModel(regtestRules());
    let links = 0;
    for (const line of chainLines) {
      const s = model.add(Buffer.from(line, 'hex'));
      if (s.isLink) links++;
    }
    expect(model.shares.size).toBe(chainLines.length);
    expect(links).toBeGreaterThan(20);
    expect(model.shares.size - links).toBeGreaterThan(30);
  });

  it('each vector: hash, kind and payouts by the model; the code decodes it to the same hash', () => {
    const model = new FairModel(regtestRules());
    const byIndex = new Map<number, ReturnType<FairModel['add']>>();
    chainLines.forEach((line, i) => byIndex.set(i, model.add(Buffer.from(line, 'hex'))));
    const net = getFairNetwork('regtest-fair');
    for (const v of fixture.shares) {
      const s = byIndex.get(v.index)!;
      expect(s.raw.toString('hex'), v.name).toBe(v.hex);
      expect(s.hash, v.name).toBe(v.hash);
      expect(s.isLink ? 'link' : 'sub-share', v.name).toBe(v.kind);
      expect(s.payouts!.map((p) => ({ script: p.script, value: Number(p.value) })), v.name).toEqual(v.payouts);
      const total = s.payouts!.reduce((a, p) => a + p.value, 0n);
      expect(total, v.name).toBe(s.subsidy);
      expect(s.payouts!.length, v.name).toBeLessThanOrEqual(s.maxOutputs);
      expect(decodeFairShare(Buffer.from(v.hex, 'hex'), net).hash).toBe(v.hash);
    }
    // The vectors cover a first share, sub-shares, an uncle, refs to it, a taproot finder and the lottery.
    const lottery = fixture.shares.find((v) => v.name === 'lottery_k11')!;
    expect(byIndex.get(lottery.index)!.maxOutputs).toBe(11);
    expect(lottery.payouts.length).toBeLessThanOrEqual(11);
    // The opt-in K_MAX class: max_outputs above 255 (a u16 on the wire), read by the model.
    expect(byIndex.get(fixture.shares.find((v) => v.name === 'link_k1000')!.index)!.maxOutputs).toBe(1000);
    expect(fixture.shares.find((v) => v.name === 'p2tr_finder')!.payouts.some((p) => p.script.startsWith('5120'))).toBe(true);
  });
});
