import { describe, expect, it } from 'vitest';
import { P2POOL_NET_NAMES, getP2PoolNetwork } from '../../src/sharechain/networks.js';

describe('P2Pool networks', () => {
  it('reference constants (docs/networks.md#p2pool-networks-sharechains, JT values)', () => {
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

  it('litecoin and litecoin-testnet: every constant of docs/networks.md#p2pool-networks-sharechains (JT values where they differ)', () => {
    const row = (name: string) => {
      const n = getP2PoolNetwork(name);
      return {
        identifier: n.identifier.toString('hex'), prefix: n.prefix.toString('hex'), p2p: n.p2pPort, worker: n.workerPort,
        period: n.sharePeriod, chain: n.chainLength, real: n.realChainLength, lookbehind: n.targetLookbehind, spread: n.spread,
        min: n.minTarget, max: n.maxTarget, proto: n.minimumProtocolVersion,
        parent: [n.parent.magic.toString('hex'), n.parent.defaultP2pPort, n.parent.defaultRpcPort, n.parent.pubkeyHashVersion, n.parent.scriptHashVersion, n.parent.bech32Hrp, n.parent.blockPeriod, n.parent.pow],
      };
    };
    expect(row('litecoin')).toEqual({
      identifier: 'e037d5b8c6923410', prefix: '7208c1a53ef629b0', p2p: 9326, worker: 9327,
      period: 15, chain: 8640, real: 8640, lookbehind: 200, spread: 3, min: 0n, max: 2n ** 256n / 2n ** 20n - 1n, proto: 3301,
      parent: ['fbc0b6db', 9333, 9332, 48, 50, 'ltc', 150, 'scrypt'],
    });
    expect(row('litecoin_testnet')).toEqual({
      identifier: 'cca5e24ec6408b1e', prefix: 'ad9614f6466a39cf', p2p: 19338, worker: 19327,
      period: 4, chain: 400, real: 400, lookbehind: 200, spread: 3, min: 0n, max: 2n ** 256n / 20n - 1n, proto: 3301,
      parent: ['fdd2c8f1', 19335, 19332, 111, 58, 'tltc', 150, 'scrypt'],
    });
    expect(getP2PoolNetwork('litecoin').parent.stratumDifficultyMultiplier).toBe(2 ** 16); // DUMB_SCRYPT_DIFF
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

  it('namecoin, a parent chain only, is refused with what to do instead', () => {
    expect(() => getP2PoolNetwork('namecoin')).toThrow(/namecoin has no P2Pool sharechain.*--net bitcoin.*--merged-url/);
  });

  it('unknown names are refused with the list of valid ones', () => {
    expect(() => getP2PoolNetwork('dogecoin')).toThrow(/valid: bitcoin, testnet/);
    expect(() => getP2PoolNetwork('__proto__')).toThrow(/unknown P2Pool network/);
  });
});
