/**
 * `--net NAME [--testnet]` as every command parses it (src/cli/net-option.ts), through a real
 * commander program: our network names and the seed's `--net bitcoin --testnet` form.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CHAIN_NAMES } from '../../src/bitcoin/chain-params.js';
import { addNetOptions, chainFromOptions, netFromOptions, networkDefaultsHelp, type NetOptionValues } from '../../src/cli/net-option.js';

function parse(args: string[], settings?: Parameters<typeof addNetOptions>[1]): NetOptionValues {
  const cmd = addNetOptions(new Command('t').exitOverride().configureOutput({ writeErr: () => {} }), settings);
  cmd.parse(args, { from: 'user' });
  return cmd.opts<NetOptionValues>();
}

describe('--net option', () => {
  it('accepts every network name and resolves it to its own parameters', () => {
    expect(CHAIN_NAMES).toHaveLength(8);
    for (const name of CHAIN_NAMES) {
      expect(netFromOptions(parse(['--net', name]))).toBe(name);
      expect(chainFromOptions(parse(['--net', name])).name).toBe(name);
    }
  });

  it('defaults to bitcoin, as the seed does', () => {
    expect(netFromOptions(parse([]))).toBe('bitcoin');
    expect(netFromOptions(parse([], { defaultNet: 'regtest' }))).toBe('regtest');
  });

  it("takes the seed's form --net COIN --testnet", () => {
    expect(netFromOptions(parse(['--net', 'bitcoin', '--testnet']))).toBe('testnet');
    expect(netFromOptions(parse(['--testnet']))).toBe('testnet');
    expect(netFromOptions(parse(['--net', 'litecoin', '--testnet']))).toBe('litecoin-testnet');
    // A name that already is a testnet passes through.
    expect(netFromOptions(parse(['--net', 'testnet4', '--testnet']))).toBe('testnet4');
  });

  it('rejects unknown names and, where required, a missing --net', () => {
    expect(() => parse(['--net', 'dogecoin'])).toThrow(/Allowed choices are bitcoin, testnet/);
    expect(() => parse([], { required: true })).toThrow(/--net/);
  });
});

/**
 * The defaults `p2pool --net NAME [--testnet] --help` prints. Expected ports and versions are
 * written out from their sources (Core/Litecoin Core/Namecoin Core chainparams, docs/networks.md#p2pool-networks-sharechains),
 * not read from our tables.
 */
describe('network defaults in the help text', () => {
  const help = (args: string[]) => networkDefaultsHelp(parse(args));

  it("--net bitcoin --testnet: testnet3's bitcoind ports and the reference's bitcoin_testnet P2Pool ports", () => {
    const h = help(['--net', 'bitcoin', '--testnet']);
    expect(h).toContain('--net testnet (tBTC, sha256d proof of work)');
    expect(h).toContain('RPC port 18332, P2P port 18333');
    expect(h).toContain('P2PKH version 111, P2SH version 196, bech32 "tb1..."');
    expect(h).toContain('P2P port 19333, worker port 19332, a share every 30 s, chain length 360, identifier 5fc2be2d4f0d6bfb');
  });

  it('--net litecoin and --net litecoin --testnet: scrypt, x65536, L/M/ltc1 and the JT ports', () => {
    const main = help(['--net', 'litecoin']);
    expect(main).toContain('(LTC, scrypt proof of work, Stratum difficulty x65536)');
    expect(main).toContain('RPC port 9332, P2P port 9333');
    expect(main).toContain('P2PKH version 48, P2SH version 50, bech32 "ltc1..."');
    expect(main).toContain('P2P port 9326, worker port 9327, a share every 15 s, chain length 8640, identifier e037d5b8c6923410');
    const test = help(['--net', 'litecoin', '--testnet']);
    expect(test).toContain('RPC port 19332, P2P port 19335');
    expect(test).toContain('P2P port 19338, worker port 19327, a share every 4 s, chain length 400');
  });

  it('testnet4, signet (with the signers notice) and regtest', () => {
    expect(help(['--net', 'testnet4'])).toContain('RPC port 48332, P2P port 48333');
    const signet = help(['--net', 'signet']);
    expect(signet).toContain('RPC port 38332, P2P port 38333');
    expect(signet).toMatch(/only the signet's configured signers can make blocks/);
    const regtest = help(['--net', 'regtest']);
    expect(regtest).toContain('RPC port 18443, P2P port 18444');
    expect(regtest).toContain('bech32 "bcrt1..."');
    expect(regtest).toContain('P2P port 19444, worker port 19443');
  });

  it('namecoin: its bitcoind ports and addresses, and what to do instead of a sharechain', () => {
    const h = help(['--net', 'namecoin']);
    expect(h).toContain('RPC port 8336, P2P port 8334');
    expect(h).toContain('P2PKH version 52, P2SH version 13, bech32 "nc1..."');
    expect(h).toMatch(/namecoin has no P2Pool sharechain.*--net bitcoin.*--merged-url/);
    expect(help(['--net', 'namecoin', '--testnet'])).toMatch(/network 'namecoin' has no testnet/);
  });
});
