/**
 * `--net NAME [--testnet]` as every command parses it (src/cli/net-option.ts), through a real
 * commander program: our network names and the seed's `--net bitcoin --testnet` form.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CHAIN_NAMES } from '../../src/bitcoin/chain-params.js';
import { addNetOptions, chainFromOptions, netFromOptions, type NetOptionValues } from '../../src/cli/net-option.js';

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
