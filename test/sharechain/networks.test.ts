import { describe, expect, it } from 'vitest';
import { P2POOL_NET_NAMES, getP2PoolNetwork } from '../../src/sharechain/networks.js';

describe('P2Pool networks', () => {
  it('reference constants (§2.5, §4.4, JT values)', () => {
    const btc = getP2PoolNetwork('bitcoin');
    expect(btc.identifier.toString('hex')).toBe('fc70035c7a81bc6f');
    expect(btc.prefix.toString('hex')).toBe('2472ef181efcd37b');
    expect([btc.sharePeriod, btc.chainLength, btc.realChainLength, btc.targetLookbehind, btc.spread]).toEqual([30, 8640, 8640, 200, 3]);
    expect(btc.maxTarget).toBe(2n ** 256n / 2n ** 32n - 1n);
    expect([btc.segwitActivationVersion, btc.minimumProtocolVersion, btc.dustThreshold, btc.persist]).toEqual([33, 3301, 100_000, true]);
    const ltc = getP2PoolNetwork('litecoin');
    expect([ltc.p2pPort, ltc.workerPort, ltc.sharePeriod, ltc.segwitActivationVersion]).toEqual([9326, 9327, 15, 17]);
    expect(ltc.maxTarget).toBe(2n ** 256n / 2n ** 20n - 1n);
    expect(ltc.parent.pow).toBe('scrypt');
    const tltc = getP2PoolNetwork('litecoin-testnet');
    expect([tltc.sharePeriod, tltc.chainLength, tltc.maxTarget]).toEqual([4, 400, 2n ** 256n / 20n - 1n]);
    const reg = getP2PoolNetwork('regtest');
    expect(reg.identifier.toString('hex')).toBe('5ad2c6ecbd7d9372');
    expect([reg.chainLength, reg.maxTarget, reg.segwitActivationVersion]).toEqual([360, 2n ** 255n - 1n, 15]);
  });

  it("regtest's parent has Core's P2SH version and bech32 prefix", () => {
    const reg = getP2PoolNetwork('btcregtest');
    expect(reg.name).toBe('regtest');
    expect(reg.parent.scriptHashVersion).toBe(196);
    expect(reg.parent.bech32Hrp).toBe('bcrt');
  });

  it('signet and testnet4 are ours, with identities of their own', () => {
    const ids = new Set<string>();
    const prefixes = new Set<string>();
    for (const name of P2POOL_NET_NAMES) {
      const n = getP2PoolNetwork(name);
      expect(n.ours).toBe(name === 'signet' || name === 'testnet4');
      expect(n.identifier).toHaveLength(8);
      expect(n.prefix).toHaveLength(8);
      ids.add(n.identifier.toString('hex'));
      prefixes.add(n.prefix.toString('hex'));
      expect(n.parent.name).toBe(name);
      expect(n.realChainLength).toBeLessThanOrEqual(n.chainLength);
    }
    expect(ids.size).toBe(P2POOL_NET_NAMES.length);
    expect(prefixes.size).toBe(P2POOL_NET_NAMES.length);
  });

  it('unknown names are refused with the list of valid ones', () => {
    expect(() => getP2PoolNetwork('namecoin')).toThrow(/valid: bitcoin, testnet/);
    expect(() => getP2PoolNetwork('__proto__')).toThrow(/unknown P2Pool network/);
  });
});
