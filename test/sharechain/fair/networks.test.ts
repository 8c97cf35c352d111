/**
 * Fair networks and their identity (docs/fair-sharechain.md#networks, #identity), the shared
 * registry `--net` resolves, and the node policy of #policy (own targets, K from firmware).
 */
import { describe, expect, it } from 'vitest';
import { sha256d } from '../../../src/bitcoin/hash.js';
import { bitsToTarget, targetToWork } from '../../../src/bitcoin/target.js';
import { encodeTransaction } from '../../../src/bitcoin/transaction.js';
import { buildFairGentx } from '../../../src/sharechain/fair/coinbase.js';
import { consensusText } from '../../../src/sharechain/fair/identity.js';
import { FAIR_NET_NAMES, getFairNetwork, withFairRules, type FairRules } from '../../../src/sharechain/fair/networks.js';
import {
  DEFAULT_K_TARGET, FIRMWARE_COINBASE_LIMITS, fairShareTarget, maxOutputsForCoinbaseBytes, worstCaseCoinbaseBytes,
} from '../../../src/sharechain/fair/policy.js';
import { P2POOL_NET_NAMES, SHARECHAIN_NET_NAMES, getP2PoolNetwork, getSharechainNetwork } from '../../../src/sharechain/networks.js';

describe('fair networks', () => {
  it('four networks, on the four bitcoin parents, with their own ports', () => {
    expect(FAIR_NET_NAMES).toEqual(['bitcoin-fair', 'testnet4-fair', 'signet-fair', 'regtest-fair']);
    const parents = FAIR_NET_NAMES.map((n) => getFairNetwork(n).parent.name);
    expect(parents).toEqual(['bitcoin', 'testnet4', 'signet', 'regtest']);
    const ports = [...P2POOL_NET_NAMES.flatMap((n) => [getP2PoolNetwork(n).p2pPort, getP2PoolNetwork(n).workerPort]),
      ...FAIR_NET_NAMES.flatMap((n) => [getFairNetwork(n).p2pPort, getFairNetwork(n).workerPort])];
    expect(new Set(ports).size).toBe(ports.length);
    const btc = getFairNetwork('bitcoin-fair');
    expect([btc.shareVersion, btc.linkPeriod, btc.windowLinks, btc.refDepth, btc.maxRefs, btc.spread, btc.finderDivisor]).toEqual([64, 30, 8640, 4, 60, 3, 0]);
    expect(btc.outputClasses).toEqual([11, 46, 145, 200, 1000]);
    expect(btc.defaultOutputs).toBe(200);
    expect(() => getFairNetwork('litecoin-fair')).toThrow(/unknown fair network 'litecoin-fair'/);
  });

  it('identifier and prefix are the first 16 bytes of sha256d of the constants text, different everywhere', () => {
    const ids: string[] = [];
    for (const n of FAIR_NET_NAMES) {
      const net = getFairNetwork(n);
      const id = sha256d(Buffer.from(consensusText(net, net.parent), 'utf8'));
      expect(net.consensusId.equals(id)).toBe(true);
      expect(net.identifier.equals(id.subarray(0, 8))).toBe(true);
      expect(net.prefix.equals(id.subarray(8, 16))).toBe(true);
      ids.push(net.identifier.toString('hex'), net.prefix.toString('hex'));
    }
    for (const n of P2POOL_NET_NAMES) ids.push(getP2PoolNetwork(n).identifier.toString('hex'), getP2PoolNetwork(n).prefix.toString('hex'));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('changing any consensus constant changes the identity', () => {
    const base = getFairNetwork('bitcoin-fair');
    const changes: Array<Partial<FairRules>> = [
      { rulesRevision: 3 }, { shareVersion: 65 }, { linkPeriod: 31 }, { linkLookbehind: 201 }, { linkMaxTarget: base.linkMaxTarget - 1n },
      { maxTarget: base.maxTarget - 1n }, { floorRangeLog2: 15 }, { floorLookbehind: 21 }, { ceilingRefsPerLink: 31 }, { floorStepDivisor: 33 },
      { refDepth: 5 }, { maxRefs: 61 }, { bonusNumerator: 2 }, { bonusDenominator: 11 }, { outputClasses: [11, 46, 145, 200, 1001] },
      { windowLinks: 8641 }, { windowEntries: 1 }, { spread: 4 }, { finderDivisor: 200 }, { maxFutureSeconds: 301 },
    ];
    const seen = new Set([base.consensusId.toString('hex')]);
    for (const c of changes) {
      const id = withFairRules(base, c).consensusId.toString('hex');
      expect(seen.has(id), JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).toBe(false);
      seen.add(id);
    }
    // Ports are not consensus.
    expect(withFairRules(base, {}).consensusId.equals(base.consensusId)).toBe(true);
  });

  it('--net resolves v35 and fair names alike', () => {
    expect(SHARECHAIN_NET_NAMES).toEqual([...P2POOL_NET_NAMES, ...FAIR_NET_NAMES]);
    expect(getSharechainNetwork('regtest-fair').rules).toBe('fair');
    expect(getSharechainNetwork('btcregtest')).toEqual({ rules: 'v35', net: getP2PoolNetwork('regtest') });
  });
});

describe('node policy', () => {
  const net = getFairNetwork('bitcoin-fair');
  // A 25 PH/s pool: a link every 30 s is 7.5e17 hashes.
  const linkWork = 750_000_000_000_000_000n;
  const linkTarget = (1n << 256n) / linkWork - 1n;
  const floorTarget = linkTarget << 16n;

  it('gives every miner k = 40 shares per window, between the floor and the link work', () => {
    const windowSeconds = net.windowLinks * net.linkPeriod;
    for (const h of [1e12, 14e12, 50e12]) {
      const t = fairShareTarget({ net, linkTarget, floorTarget, hashrate: h });
      expect(t.expectedSharesPerWindow).toBeGreaterThan(DEFAULT_K_TARGET * 0.999);
      expect(t.expectedSharesPerWindow).toBeLessThan(DEFAULT_K_TARGET * 1.001);
      expect(t.work).toBe(targetToWork(bitsToTarget(t.bits)));
      expect(Math.abs(Number(t.work) - (h * windowSeconds) / 40) / ((h * windowSeconds) / 40)).toBeLessThan(1e-3);
    }
    // A 200 TH/s miner would want more work than a link: its shares are all links, more than 40.
    const big = fairShareTarget({ net, linkTarget, floorTarget, hashrate: 200e12 });
    expect(big.target <= linkTarget).toBe(true);
    expect(big.expectedSharesPerWindow).toBeCloseTo((200e12 * windowSeconds) / Number(linkWork), 1);
    // A 10 MH/s NerdMiner is at the floor, with fewer shares.
    const tiny = fairShareTarget({ net, linkTarget, floorTarget, hashrate: 1e7 });
    expect(tiny.target).toBeLessThanOrEqual(floorTarget);
    expect(tiny.expectedSharesPerWindow).toBeLessThan(40);
  });

  it('K from the firmware byte budget: 755 -> 11, 2,250 -> 46, 6,500 -> 145, unbounded -> 200, 500 -> none', () => {
    expect(FIRMWARE_COINBASE_LIMITS.map((f) => maxOutputsForCoinbaseBytes(net, f.bytes))).toEqual([11, 46, 145]);
    expect(maxOutputsForCoinbaseBytes(net, 43_250)).toBe(200);
    expect(maxOutputsForCoinbaseBytes(net, 43_251)).toBe(1000); // 249 + 2 (a 3-byte output count) + 43 x 1,000
    expect(maxOutputsForCoinbaseBytes(net, 500)).toBeNull();
  });

  it('the worst-case coinbase of each class really fits: a 100-byte scriptSig, K outputs of 43 bytes', () => {
    for (const K of net.outputClasses) {
      const payouts = Array.from({ length: K }, (_, i) => ({ value: 1000 + i, script: Buffer.concat([Buffer.from('5120', 'hex'), Buffer.alloc(32, i)]) }));
      const g = buildFairGentx({ coinbase: Buffer.alloc(100, 1), payouts, wtxidRoot: Buffer.alloc(32), refHash: Buffer.alloc(32), lastTxoutNonce: 0n });
      expect(encodeTransaction(g.gentx, { witness: false }).length).toBe(worstCaseCoinbaseBytes(K));
    }
    expect(worstCaseCoinbaseBytes(11)).toBeLessThanOrEqual(755);
    expect(worstCaseCoinbaseBytes(12)).toBeGreaterThan(755);
    expect(worstCaseCoinbaseBytes(46)).toBeLessThanOrEqual(2250);
    expect(worstCaseCoinbaseBytes(145)).toBeLessThanOrEqual(6500);
    expect(worstCaseCoinbaseBytes(146)).toBeGreaterThan(6500);
  });
});
