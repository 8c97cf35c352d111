import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base58, bech32 } from '@scure/base';
import { createHash } from 'node:crypto';
import { addressToScript, decodeAddress, scriptToAddress } from '../../src/bitcoin/address.js';
import { CHAIN_NAMES, getChainParams, type ChainName } from '../../src/bitcoin/chain-params.js';
import { AddressError } from '../../src/bitcoin/errors.js';
import { p2pkhScript, witnessScript } from '../../src/bitcoin/script.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
const json = <T>(path: string): T => JSON.parse(fixture(path).toString('utf8')) as T;

type KeyIoRow = [string, string, { chain: string; isPrivkey: boolean; tryCaseFlip?: boolean }];
const keyIoValid = json<KeyIoRow[]>('bitcoin-core/key_io_valid.json');
const keyIoInvalid = json<[string][]>('bitcoin-core/key_io_invalid.json');
const base58Vectors = json<[string, string][]>('bitcoin-core/base58_encode_decode.json');
const jtAddress = json<{
  vectors: { 'test_segwit_addr.py::VALID_ADDRESS': [string, string][]; 'test_segwit_addr.py::INVALID_ADDRESS': string[] };
}>('p2pool-reference/jt_address_vectors.json').vectors;
const jtIntegration = json<{ vectors: Record<string, string[]> }>('p2pool-reference/jt_test_data_integration_vectors.json').vectors;
const reference = json<{ address: { address: string; hash160_hex: string } }>('p2pool-reference/repo_test_vectors.json');
const jtV35 = json<{ address_scripts: Record<string, string> }>('p2pool-reference/jt_v35_generated.json');
const origV17 = json<{ DONATION_SCRIPT_hex: string }>('p2pool-reference/orig_v17_generated.json');

/** Core's chain names in key_io_*.json -> ours. */
const CORE_CHAIN: Record<string, ChainName> = { main: 'bitcoin', test: 'testnet', testnet4: 'testnet4', signet: 'signet', regtest: 'regtest' };

/** Flip the case of every letter (Core key_io_tests tryCaseFlip). */
function flipCase(s: string): string {
  return [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
}

const chains = CHAIN_NAMES.map((n) => getChainParams(n));

describe("Bitcoin Core key_io_valid.json (addresses only)", () => {
  const rows = keyIoValid.filter(([, , meta]) => !meta.isPrivkey);

  it('has the rows we expect to check', () => {
    expect(rows.length).toBe(54);
    expect(new Set(rows.map(([, , m]) => m.chain))).toEqual(new Set(['main', 'testnet4', 'signet', 'regtest']));
  });

  for (const [address, scriptHex, meta] of rows) {
    const chain = getChainParams(CORE_CHAIN[meta.chain]!);
    it(`${meta.chain} ${address}`, () => {
      expect(addressToScript(address, chain).toString('hex')).toBe(scriptHex);
      expect(scriptToAddress(Buffer.from(scriptHex, 'hex'), chain)).toBe(address);
      if (meta.tryCaseFlip) {
        expect(addressToScript(flipCase(address), chain).toString('hex')).toBe(scriptHex);
      }
      // testnet3 and testnet4 share address versions and HRP: Core's "test" rows hold on both.
      if (meta.chain === 'testnet4') {
        expect(addressToScript(address, getChainParams('testnet')).toString('hex')).toBe(scriptHex);
      }
    });
  }

  it('rejects each valid address on a network with different prefixes', () => {
    for (const [address, , meta] of rows) {
      const other = meta.chain === 'main' ? getChainParams('regtest') : getChainParams('bitcoin');
      expect(() => decodeAddress(address, other)).toThrow(AddressError);
    }
  });
});

describe("Bitcoin Core key_io_invalid.json", () => {
  it('rejects every row on every network', () => {
    expect(keyIoInvalid.length).toBe(70);
    for (const [address] of keyIoInvalid) {
      for (const chain of chains) {
        expect(() => decodeAddress(address, chain), `${address} on ${chain.name}`).toThrow(AddressError);
      }
    }
  });
});

describe("Bitcoin Core base58_encode_decode.json (@scure/base's base58 agrees with Core)", () => {
  for (const [hex, encoded] of base58Vectors) {
    it(`${hex || '(empty)'} <-> ${encoded || '(empty)'}`, () => {
      expect(base58.encode(Buffer.from(hex, 'hex'))).toBe(encoded);
      expect(Buffer.from(base58.decode(encoded)).toString('hex')).toBe(hex.toLowerCase());
    });
  }
});

describe('P2Pool reference address vectors', () => {
  it('BIP173 valid addresses from JT test_segwit_addr.py', () => {
    const hrpChain: Record<string, ChainName> = { bc: 'bitcoin', tb: 'testnet' };
    for (const [address, scriptHex] of jtAddress['test_segwit_addr.py::VALID_ADDRESS']) {
      const chain = getChainParams(hrpChain[address.toLowerCase().slice(0, 2)]!);
      const version = parseInt(scriptHex.slice(0, 2), 16);
      if (version === 0) {
        expect(addressToScript(address, chain).toString('hex')).toBe(scriptHex);
      } else {
        // BIP173 (2017) encoded v1+ with bech32; BIP350 (which Core and we follow) requires
        // bech32m for them, so these old vectors must now be refused, naming the reason.
        expect(() => decodeAddress(address, chain)).toThrow(/BIP350 requires bech32m/);
      }
    }
  });

  it('BIP173 invalid addresses from JT test_segwit_addr.py are rejected everywhere', () => {
    for (const address of jtAddress['test_segwit_addr.py::INVALID_ADDRESS']) {
      for (const chain of chains) expect(() => decodeAddress(address, chain)).toThrow(AddressError);
    }
  });

  it('BTC, tBTC, LTC and tLTC addresses from JT IntegrationTests round trip', () => {
    const groups: [string, ChainName][] = [
      ['btc_addrs', 'bitcoin'],
      ['tbtc_addrs', 'testnet'],
      ['ltc_addrs', 'litecoin'],
      ['tltc_addrs', 'litecoin-testnet'],
    ];
    let n = 0;
    for (const [key, name] of groups) {
      const chain = getChainParams(name);
      for (const address of jtIntegration[key]!) {
        expect(scriptToAddress(addressToScript(address, chain), chain)).toBe(address);
        n++;
      }
    }
    expect(n).toBe(15);
  });

  it('the JT integration addresses give the scripts the reference documents (docs/sharechain.md#test-vectors)', () => {
    const btc = getChainParams('bitcoin');
    expect(addressToScript('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', btc).toString('hex')).toBe(
      '0014751e76e8199196d454941c45d1b3a323f1433bd6',
    );
    expect(addressToScript('3P14159f73E4gFr7JterCCQh9QjiTjiZrG', btc).toString('hex')).toBe(
      'a914e9c3dd0c07aac76179ebc76a6c78d4d67c6c160a87',
    );
    expect(addressToScript('1LR4dmTSS2BV7yrMKKv2SwYBGWhtEGCU29', btc).toString('hex')).toBe(
      '76a914d4f7680a3446611d4d141aac4e0f357f4083d01b88ac',
    );
    for (const [address, scriptHex] of Object.entries(jtV35.address_scripts)) {
      expect(addressToScript(address, btc).toString('hex')).toBe(scriptHex);
    }
    const ltc = getChainParams('litecoin');
    expect(decodeAddress('Lf3iRHmfbLcZry4Y28esSJ9ASAfGJtBiyf', ltc).type).toBe('p2pkh');
    expect(decodeAddress('MJVQisa7ragNAvfEMw3Khf5qUDiWQuFtq5', ltc).type).toBe('p2sh');
    expect(decodeAddress('ltc1q5z36sntfrnd2us8aphw6tmk6ywl49r3q0vk2fm', ltc).type).toBe('p2wpkh');
    expect(decodeAddress('ltc1q77e48sy8er43smx84n6ykmxn8p7d7qxdxk5u5xkz98kamlqyrlmsezxv5d', ltc).type).toBe('p2wsh');
    const tltc = getChainParams('litecoin-testnet');
    expect(decodeAddress('QfznDEYLScMQokgvUAU8xiGvATevxMfyxy', tltc).type).toBe('p2sh');
  });

  it('repo_test_vectors address: 1KUCp7... -> hash160 ca975b...', () => {
    const { address, hash160_hex } = reference.address;
    const decoded = decodeAddress(address, getChainParams('bitcoin'));
    expect(decoded.type).toBe('p2pkh');
    expect(decoded.hash.toString('hex')).toBe(hash160_hex);
    expect(decoded.script).toEqual(p2pkhScript(Buffer.from(hash160_hex, 'hex')));
  });

  it('BCH CashAddr forms are not addresses of our networks', () => {
    for (const address of jtIntegration.bch_addrs!) {
      if (!address.includes(':')) continue;
      expect(() => decodeAddress(address, getChainParams('bitcoin'))).toThrow(AddressError);
    }
  });
});

describe('Namecoin addresses (Namecoin Core chainparams: PUBKEY_ADDRESS 52, SCRIPT_ADDRESS 13, bech32 "nc")', () => {
  const nmc = getChainParams('namecoin');
  const hash = Buffer.from(reference.address.hash160_hex, 'hex');
  /** Base58check written out with node:crypto, independently of address.ts. */
  const base58check = (version: number, payload: Buffer): string => {
    const body = Buffer.concat([Buffer.of(version), payload]);
    const check = createHash('sha256').update(createHash('sha256').update(body).digest()).digest().subarray(0, 4);
    return base58.encode(Buffer.concat([body, check]));
  };

  it('P2PKH (N/M...) and P2SH (6...) from hash160s, and back', () => {
    const p2pkh = base58check(52, hash);
    expect(p2pkh).toMatch(/^[MN]/);
    expect(scriptToAddress(p2pkhScript(hash), nmc)).toBe(p2pkh);
    expect(decodeAddress(p2pkh, nmc).type).toBe('p2pkh');
    const p2sh = base58check(13, hash);
    expect(p2sh).toMatch(/^6/);
    expect(decodeAddress(p2sh, nmc)).toMatchObject({ type: 'p2sh', hash });
  });

  it('bech32 nc1 (BIP173 checksum over the HRP "nc") for segwit v0', () => {
    const address = bech32.encode('nc', [0, ...bech32.toWords(hash)]);
    expect(address.startsWith('nc1q')).toBe(true);
    expect(addressToScript(address, nmc).toString('hex')).toBe(`0014${hash.toString('hex')}`);
  });

  it("Bitcoin's address for the same hash is not a Namecoin address, and vice versa", () => {
    expect(() => decodeAddress(base58check(0, hash), nmc)).toThrow(AddressError);
    expect(() => decodeAddress(base58check(52, hash), getChainParams('bitcoin'))).toThrow(/namecoin/);
  });
});

describe('error messages', () => {
  const btc = getChainParams('bitcoin');
  const message = (address: string, chain = btc): string => {
    try {
      decodeAddress(address, chain);
    } catch (err) {
      expect(err).toBeInstanceOf(AddressError);
      return (err as Error).message;
    }
    throw new Error(`${address} was accepted`);
  };

  it('name the network an address belongs to', () => {
    expect(message('Lf3iRHmfbLcZry4Y28esSJ9ASAfGJtBiyf')).toMatch(/is for network litecoin, not bitcoin/);
    expect(message('ltc1q5z36sntfrnd2us8aphw6tmk6ywl49r3q0vk2fm')).toMatch(/is for network litecoin, not bitcoin/);
    expect(message('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx')).toMatch(/is for network testnet\/testnet4\/signet, not bitcoin/);
    expect(message('1LR4dmTSS2BV7yrMKKv2SwYBGWhtEGCU29', getChainParams('regtest'))).toMatch(/is for network bitcoin, not regtest/);
    expect(message('36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm', getChainParams('litecoin'))).toMatch(/deprecated P2SH version 5/);
  });

  it('say why otherwise, on one line', () => {
    expect(message('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5')).toMatch(/checksum/);
    expect(message('bc1qw508d6qejxtdg4y5r3zarvaRy0c5xw7kv8f3t4')).toMatch(/mixes upper and lower case/);
    expect(message('1LR4dmTSS2BV7yrMKKv2SwYBGWhtEGCU2a')).toMatch(/not valid base58check/);
    expect(message('x'.repeat(91))).toMatch(/maximum is 90/);
    expect(message('')).toMatch(/empty/);
    for (const [address] of keyIoInvalid) {
      for (const chain of chains) {
        if (address === '') continue;
        expect(message(address, chain)).not.toContain('\n');
      }
    }
  });
});

describe('round trips', () => {
  it('script -> address -> script for random witness programs and hashes on every segwit chain', () => {
    const segwitChains = chains.filter((c) => c.bech32Hrp !== null);
    fc.assert(
      fc.property(
        fc.constantFrom(...segwitChains),
        fc.integer({ min: 0, max: 16 }),
        fc.uint8Array({ minLength: 2, maxLength: 40 }),
        (chain, version, program) => {
          const len = version === 0 ? (program.length % 2 === 0 ? 20 : 32) : program.length;
          const prog = Buffer.alloc(len);
          prog.set(program.subarray(0, len));
          const script = witnessScript(version, prog);
          const address = scriptToAddress(script, chain);
          expect(address).not.toBeNull();
          expect(addressToScript(address!, chain)).toEqual(script);
        },
      ),
    );
  });

  it('P2PK, OP_RETURN and non-standard scripts have no address', () => {
    const btc = getChainParams('bitcoin');
    expect(scriptToAddress(Buffer.from(origV17.DONATION_SCRIPT_hex, 'hex'), btc)).toBeNull();
    expect(scriptToAddress(Buffer.from('6a0401020304', 'hex'), btc)).toBeNull();
    expect(scriptToAddress(Buffer.from('0010' + '00'.repeat(16), 'hex'), btc)).toBeNull();
  });
});
