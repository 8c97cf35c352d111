import { bech32 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { toHex } from '../../src/bitcoin/hex.js';
import {
  PayoutAddressError, jtWitnessScript, payoutScriptForAddress, pubkeyHashPayee,
} from '../../src/sharechain/payout-script.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/p2pool-reference/jt_address_vectors.json', import.meta.url), 'utf8')) as {
  vectors: Record<string, Array<[string, string]>>;
};
const bip173Valid = vectors.vectors['test_segwit_addr.py::VALID_ADDRESS']!;
const testnet = getChainParams('testnet');
const bitcoin = getChainParams('bitcoin');
const regtest = getChainParams('regtest');

/** A regtest bech32 (v0) address for `program`, encoded here independently of the code under test. */
const bcrt = (programHex: string): string =>
  bech32.encode('bcrt', [0, ...bech32.toWords(Buffer.from(programHex, 'hex'))]);

describe('the v34/v35 witness-program padding quirk (docs/sharechain.md#payout-addresses)', () => {
  it("BIP173's tb1qqqqqp399... P2WSH loses its three leading zero bytes in both modes", () => {
    const [addr, fullScript] = bip173Valid.find(([a]) => a.startsWith('tb1qqqqqp399'))!;
    expect(fullScript).toBe('0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433');
    const quirk = '001dc4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433';
    expect(toHex(payoutScriptForAddress(addr, testnet, 35))).toBe(quirk);
    expect(toHex(payoutScriptForAddress(addr, testnet, 34))).toBe(quirk);
    expect(quirk.length / 2).toBe(31);
  });

  it('a P2WPKH program with a leading zero byte: truncated in v34, padded back to 20 bytes in v35', () => {
    const program = '0012' + '34'.repeat(18);
    const addr = bcrt(program);
    expect(toHex(payoutScriptForAddress(addr, regtest, 35))).toBe('0014' + program);
    expect(toHex(payoutScriptForAddress(addr, regtest, 34))).toBe('0013' + program.slice(2));
  });

  it('an odd number of hex digits: the reference crashes in v34 (refused), v35 pads P2WPKH', () => {
    const program = '0a' + '55'.repeat(19);
    const addr = bcrt(program);
    expect(() => payoutScriptForAddress(addr, regtest, 34)).toThrow(PayoutAddressError);
    expect(toHex(payoutScriptForAddress(addr, regtest, 35))).toBe('0014' + program);
    // A P2WSH program starting 0x0X has 63 digits: above 40, so even v35 crashes on it.
    const p2wsh = '0b' + '66'.repeat(31);
    expect(() => payoutScriptForAddress(bcrt(p2wsh), regtest, 35)).toThrow(/odd number of hex digits/);
  });

  it('jtWitnessScript on the extremes: an all-zero program', () => {
    expect(() => jtWitnessScript(Buffer.alloc(20), false)).toThrow(PayoutAddressError); // '0'
    expect(toHex(jtWitnessScript(Buffer.alloc(32), true))).toBe('0014' + '00'.repeat(20));
  });

  it('programs without leading zeros are unchanged', () => {
    const [addr, script] = bip173Valid.find(([a]) => a.startsWith('tb1qrp33'))!;
    expect(toHex(payoutScriptForAddress(addr, testnet, 35))).toBe(script);
    expect(toHex(payoutScriptForAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', bitcoin, 34)))
      .toBe('0014751e76e8199196d454941c45d1b3a323f1433bd6');
  });
});

describe('base58 and refused addresses', () => {
  it('P2PKH and P2SH (JT generated-chain addresses)', () => {
    expect(toHex(payoutScriptForAddress('1LR4dmTSS2BV7yrMKKv2SwYBGWhtEGCU29', bitcoin, 35)))
      .toBe('76a914d4f7680a3446611d4d141aac4e0f357f4083d01b88ac');
    expect(toHex(payoutScriptForAddress('3P14159f73E4gFr7JterCCQh9QjiTjiZrG', bitcoin, 35)))
      .toBe('a914e9c3dd0c07aac76179ebc76a6c78d4d67c6c160a87');
  });

  it('taproot (JT cannot decode bech32m), other networks and garbage are refused', () => {
    const taproot = 'bcrt1pfwxjqvtt4tcxrtdluukfmy2dv7xd2qzdfy6kajv5nwn4yam3wxkq3553uh';
    expect(() => payoutScriptForAddress(taproot, regtest, 35)).toThrow(/witness version 1/);
    expect(() => payoutScriptForAddress('1LR4dmTSS2BV7yrMKKv2SwYBGWhtEGCU29', regtest, 35)).toThrow(PayoutAddressError);
    expect(() => payoutScriptForAddress('not an address', bitcoin, 35)).toThrow(PayoutAddressError);
  });

  it('pre-v34 payees are the P2PKH address of pubkey_hash', () => {
    // Reference docs/sharechain.md#test-vectors: 1KUCp7YP5FP8ViRxhfszSUJCTAajK6viGy -> hash160 ca975b00...c57b.
    expect(pubkeyHashPayee(Buffer.from('ca975b00a8c203b8692f5a18d92dc5c2d2ebc57b', 'hex'), bitcoin))
      .toBe('1KUCp7YP5FP8ViRxhfszSUJCTAajK6viGy');
  });
});
