import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHAIN_NAMES,
  blockSubsidy,
  getChainParams,
  powHash,
  resolveNetName,
  type ChainName,
} from '../../src/bitcoin/chain-params.js';
import { sha256d } from '../../src/bitcoin/hash.js';
import { displayHexToHash, hashToBigInt, hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { bitsToTarget } from '../../src/bitcoin/target.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
const json = <T>(path: string): T => JSON.parse(fixture(path).toString('utf8')) as T;
interface LtcHeader {
  header_hex: string;
  scrypt_pow_hash: string;
  block_hash: string;
  bits: string;
}
interface Gbt {
  rules: string[];
  height: number;
  coinbasevalue: number;
  transactions: { fee: number }[];
}
const litecoin = json<{ headers: LtcHeader[]; header_chain_1_240: { headers: LtcHeader[] } }>('litecoin/litecoin.json');

/** An 80-byte header from its fields (hashes in display hex). */
function header(version: number, prev: string, merkle: string, time: number, bits: number, nonce: number): Buffer {
  const h = Buffer.alloc(80);
  h.writeInt32LE(version, 0);
  displayHexToHash(prev).copy(h, 4);
  displayHexToHash(merkle).copy(h, 36);
  h.writeUInt32LE(time, 68);
  h.writeUInt32LE(bits, 72);
  h.writeUInt32LE(nonce, 76);
  return h;
}

const ZERO = '00'.repeat(32);

/**
 * Bitcoin's genesis coinbase, rebuilt from its published parts: the scriptSig pushes bits
 * 0x1d00ffff, the number 4 and The Times headline; one 50 BTC output to Satoshi's key.
 */
function bitcoinGenesisCoinbase(): Buffer {
  const headline = Buffer.from('The Times 03/Jan/2009 Chancellor on brink of second bailout for banks', 'ascii');
  const scriptSig = Buffer.concat([Buffer.from('04ffff001d010445', 'hex'), headline]);
  const pubkey =
    '04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f';
  return Buffer.concat([
    Buffer.from('01000000' + '01' + ZERO + 'ffffffff', 'hex'),
    Buffer.of(scriptSig.length),
    scriptSig,
    Buffer.from('ffffffff' + '01' + '00f2052a01000000' + '43' + '41' + pubkey + 'ac' + '00000000', 'hex'),
  ]);
}

const BITCOIN_GENESIS_MERKLE = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';

/** Genesis header fields per network (Core / Litecoin Core / Namecoin Core chainparams.cpp). */
const GENESIS: Record<ChainName, { merkle: string; time: number; bits: number; nonce: number }> = {
  bitcoin: { merkle: BITCOIN_GENESIS_MERKLE, time: 1231006505, bits: 0x1d00ffff, nonce: 2083236893 },
  testnet: { merkle: BITCOIN_GENESIS_MERKLE, time: 1296688602, bits: 0x1d00ffff, nonce: 414098458 },
  testnet4: {
    merkle: '7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e',
    time: 1714777860,
    bits: 0x1d00ffff,
    nonce: 393743547,
  },
  signet: { merkle: BITCOIN_GENESIS_MERKLE, time: 1598918400, bits: 0x1e0377ae, nonce: 52613770 },
  regtest: { merkle: BITCOIN_GENESIS_MERKLE, time: 1296688602, bits: 0x207fffff, nonce: 2 },
  litecoin: {
    merkle: '97ddfbbae6be97fd6cdf3e7ca13232a3afff2353e29badfab7f73011edd4ced9',
    time: 1317972665,
    bits: 0x1e0ffff0,
    nonce: 2084524493,
  },
  'litecoin-testnet': {
    merkle: '97ddfbbae6be97fd6cdf3e7ca13232a3afff2353e29badfab7f73011edd4ced9',
    time: 1486949366,
    bits: 0x1e0ffff0,
    nonce: 293345,
  },
  namecoin: {
    merkle: '41c62dbd9068c89a449525e3cd5ac61b20ece28c3c38b3f35b2161f0e6d3cb0d',
    time: 1303000001,
    bits: 0x1c007fff,
    nonce: 2719916434,
  },
};

describe('genesis blocks', () => {
  it("Bitcoin's genesis coinbase txid is the genesis merkle root", () => {
    expect(hashToDisplayHex(sha256d(bitcoinGenesisCoinbase()))).toBe(BITCOIN_GENESIS_MERKLE);
  });

  for (const name of CHAIN_NAMES) {
    it(`${name}: the genesis header hashes to genesisHash and meets its own target`, () => {
      const p = getChainParams(name);
      const g = GENESIS[name];
      const h = header(1, ZERO, g.merkle, g.time, g.bits, g.nonce);
      expect(hashToDisplayHex(sha256d(h))).toBe(p.genesisHash);
      expect(hashToBigInt(powHash(p, h)) <= bitsToTarget(g.bits)).toBe(true);
    });
  }

  it('Litecoin block 1 builds on the Litecoin genesis', () => {
    const block1 = Buffer.from(litecoin.header_chain_1_240.headers[0]!.header_hex, 'hex');
    expect(hashToDisplayHex(block1.subarray(4, 36))).toBe(getChainParams('litecoin').genesisHash);
  });
});

describe('powHash', () => {
  it('is scrypt(1024,1,1) on Litecoin: Litecoin Core scrypt_tests and mainnet headers', () => {
    const ltc = getChainParams('litecoin');
    for (const h of [...litecoin.headers, ...litecoin.header_chain_1_240.headers.slice(0, 3)]) {
      expect(hashToDisplayHex(powHash(ltc, Buffer.from(h.header_hex, 'hex')))).toBe(h.scrypt_pow_hash);
    }
  });

  it('Litecoin mainnet headers 1-240: block hash, scrypt PoW meeting the bits target, each linked to the previous', () => {
    const ltc = getChainParams('litecoin');
    const chain = litecoin.header_chain_1_240.headers;
    expect(chain).toHaveLength(240);
    let prev = displayHexToHash(ltc.genesisHash);
    for (const [i, h] of chain.entries()) {
      const header = Buffer.from(h.header_hex, 'hex');
      expect(hashToDisplayHex(sha256d(header))).toBe(h.block_hash);
      const pow = powHash(ltc, header);
      expect(hashToDisplayHex(pow)).toBe(h.scrypt_pow_hash);
      // The bits field in the header is what the fixture states, and the scrypt hash meets it.
      expect(`0x${header.readUInt32LE(72).toString(16).padStart(8, '0')}`).toBe(h.bits);
      expect(hashToBigInt(pow) <= bitsToTarget(header.readUInt32LE(72)), `height ${i + 1}`).toBe(true);
      // Litecoin's sha256d block hash is far above the target: only scrypt makes these valid.
      expect(hashToBigInt(sha256d(header)) > bitsToTarget(header.readUInt32LE(72))).toBe(true);
      expect(header.subarray(4, 36).equals(prev), `height ${i + 1} links to ${i}`).toBe(true);
      prev = sha256d(header);
    }
  });

  it('is sha256d on Bitcoin: mainnet block 413567', () => {
    const hdr = fixture('bitcoin-core/block413567.raw').subarray(0, 80);
    expect(hashToDisplayHex(powHash(getChainParams('bitcoin'), hdr))).toBe(
      '0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069',
    );
  });

  it('needs exactly 80 bytes', () => {
    expect(() => powHash(getChainParams('bitcoin'), Buffer.alloc(79))).toThrow(RangeError);
  });
});

describe('network constants', () => {
  it("agree with the reference's parent-coin table (docs/networks.md#p2pool-networks-sharechains) where it defines them", () => {
    const expectRow = (name: string, magic: string, p2p: number, ver: number, p2sh: number, hrp: string, period: number): void => {
      const p = getChainParams(name);
      expect([p.magic.toString('hex'), p.defaultP2pPort, p.pubkeyHashVersion, p.scriptHashVersion, p.bech32Hrp, p.blockPeriod]).toEqual([
        magic, p2p, ver, p2sh, hrp, period,
      ]);
    };
    expectRow('bitcoin', 'f9beb4d9', 8333, 0, 5, 'bc', 600);
    expectRow('testnet', '0b110907', 18333, 111, 196, 'tb', 600);
    expectRow('litecoin', 'fbc0b6db', 9333, 48, 50, 'ltc', 150);
    expectRow('litecoin-testnet', 'fdd2c8f1', 19335, 111, 58, 'tltc', 150);
    expect(getChainParams('regtest').magic.toString('hex')).toBe('fabfb5da');
    expect(getChainParams('regtest').defaultP2pPort).toBe(18444);
  });

  it("signet's message start is sha256d(challenge)[0..4] of the default challenge (Core)", () => {
    const p = getChainParams('signet');
    const challenge = p.signet!.challenge;
    expect(challenge.length).toBe(71);
    const digest = sha256d(Buffer.concat([Buffer.of(challenge.length), challenge]));
    expect(digest.subarray(0, 4)).toEqual(p.magic);
  });

  it('every network has distinct magic bytes', () => {
    const magics = CHAIN_NAMES.map((n) => getChainParams(n).magic.toString('hex'));
    expect(new Set(magics).size).toBe(CHAIN_NAMES.length);
  });

  it('datadir sub-folders match Core / Litecoin Core', () => {
    const dirs = Object.fromEntries(CHAIN_NAMES.map((n) => [n, getChainParams(n).dataDirSubfolder]));
    expect(dirs).toEqual({
      bitcoin: '', testnet: 'testnet3', testnet4: 'testnet4', signet: 'signet', regtest: 'regtest',
      litecoin: '', 'litecoin-testnet': 'testnet4', namecoin: '',
    });
  });

  it("knownRules cover the rules of Core's real regtest templates", () => {
    for (const f of ['gbt-height111-24tx.json', 'gbt-height112-chained.json']) {
      const gbt = json<Gbt>(`bitcoin-core-regtest/${f}`);
      for (const rule of gbt.rules) {
        expect(getChainParams('regtest').knownRules).toContain(rule.replace(/^!/, ''));
      }
    }
    expect(getChainParams('litecoin').knownRules).toContain('mweb');
    expect(getChainParams('litecoin').requiredSoftForks).toContain('mweb');
    expect(getChainParams('bitcoin').knownRules).not.toContain('mweb');
    expect(getChainParams('signet').knownRules).toContain('signet');
  });

  it('scrypt chains multiply stratum difficulty by 65536', () => {
    for (const n of CHAIN_NAMES) {
      const p = getChainParams(n);
      expect(p.stratumDifficultyMultiplier).toBe(p.pow === 'scrypt' ? 65536 : 1);
    }
    expect(getChainParams('litecoin-testnet').pow).toBe('scrypt');
  });

  it('the table cannot be changed by accident', () => {
    const p = getChainParams('bitcoin');
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.knownRules)).toBe(true);
  });
});

describe('blockSubsidy', () => {
  it("equals Core's regtest coinbasevalue minus the template's fees", () => {
    for (const f of ['gbt-height111-24tx.json', 'gbt-height112-chained.json']) {
      const gbt = json<Gbt>(`bitcoin-core-regtest/${f}`);
      const fees = gbt.transactions.reduce((s, t) => s + t.fee, 0);
      expect(blockSubsidy(getChainParams('regtest'), gbt.height)).toBe(gbt.coinbasevalue - fees);
    }
  });

  it('halves at each interval and reaches zero after 64 halvings', () => {
    const btc = getChainParams('bitcoin');
    expect(blockSubsidy(btc, 0)).toBe(5_000_000_000);
    expect(blockSubsidy(btc, 209_999)).toBe(5_000_000_000);
    expect(blockSubsidy(btc, 210_000)).toBe(2_500_000_000);
    expect(blockSubsidy(btc, 413_567)).toBe(2_500_000_000); // before the second halving at 420000
    expect(blockSubsidy(btc, 840_000)).toBe(312_500_000);
    expect(blockSubsidy(btc, 210_000 * 33)).toBe(0); // 5e9 >> 33 == 0
    expect(blockSubsidy(btc, 210_000 * 64)).toBe(0);
    expect(blockSubsidy(btc, 210_000 * 32)).toBe(1); // 5e9 >> 32
    expect(blockSubsidy(getChainParams('regtest'), 150)).toBe(2_500_000_000);
    const ltc = getChainParams('litecoin');
    expect(blockSubsidy(ltc, 839_999)).toBe(5_000_000_000);
    expect(blockSubsidy(ltc, 2_383_207)).toBe(1_250_000_000);
    expect(() => blockSubsidy(btc, -1)).toThrow(RangeError);
  });
});

describe('resolveNetName and getChainParams', () => {
  it('maps --net X --testnet to the coin testnet', () => {
    expect(resolveNetName('bitcoin', true)).toBe('testnet');
    expect(resolveNetName('litecoin', true)).toBe('litecoin-testnet');
    expect(resolveNetName('bitcoin', false)).toBe('bitcoin');
    expect(resolveNetName('litecoin', false)).toBe('litecoin');
    for (const t of ['testnet', 'testnet4', 'signet', 'regtest', 'litecoin-testnet'] as const) {
      expect(resolveNetName(t, true)).toBe(t);
      expect(resolveNetName(t, false)).toBe(t);
    }
  });

  it('accepts aliases', () => {
    expect(resolveNetName('testnet3', false)).toBe('testnet');
    expect(resolveNetName('btcregtest', false)).toBe('regtest');
    expect(resolveNetName('Bitcoin', false)).toBe('bitcoin');
    expect(getChainParams('testnet3').name).toBe('testnet');
    expect(getChainParams('btcregtest').name).toBe('regtest');
  });

  it('refuses namecoin --testnet and unknown names with the valid list', () => {
    expect(() => resolveNetName('namecoin', true)).toThrow(/namecoin.*no testnet/);
    expect(() => resolveNetName('dogecoin', false)).toThrow(/unknown network 'dogecoin' \(valid: bitcoin, testnet, testnet4/);
    expect(() => getChainParams('mainnet')).toThrow(/valid: .*litecoin-testnet/);
  });
});
