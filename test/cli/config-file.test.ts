/**
 * The config file parser (src/cli/config-file.ts): bitcoin.conf's syntax, network sections, and
 * one `FILE:LINE: ...` error for anything it cannot take. parseConfig is pure, so random and
 * mutated input checks that it never fails any other way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, MAX_CONFIG_BYTES, parseConfig, settingsFor } from '../../src/cli/config-file.js';

const F = '/etc/p2pool/p2pool.conf';

function error(text: string): string {
  try {
    parseConfig(text, F);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('parsed without error');
}

describe('parseConfig', () => {
  it('reads key=value lines, comments, blank lines, CRLF and a BOM, and network sections', () => {
    const c = parseConfig(
      '\uFEFF# a comment\r\nnet=bitcoin\r\n\r\n  worker-port = 9332   # the default\n' +
        'p2pool-node=10.0.0.1\np2pool-node=10.0.0.2:9333\nbitcoind-rpc-password=a#b\n' +
        '[testnet]\nworker-port=19332\n# nothing\n[regtest]\ndisable-upnp=1\n',
      F,
    );
    expect([...c.top.values()].map((s) => [s.key, s.values, s.where])).toEqual([
      ['net', ['bitcoin'], `${F}:2`],
      ['worker-port', ['9332'], `${F}:4`],
      ['p2pool-node', ['10.0.0.1', '10.0.0.2:9333'], `${F}:5`],
      // `#` not after a space is part of the value (passwords).
      ['bitcoind-rpc-password', ['a#b'], `${F}:7`],
    ]);
    expect(settingsFor(c, 'testnet').get('worker-port')).toEqual({ key: 'worker-port', values: ['19332'], where: `${F}:9` });
    expect(settingsFor(c, 'bitcoin').get('worker-port')!.values).toEqual(['9332']);
    expect(settingsFor(c, 'regtest').get('disable-upnp')!.values).toEqual(['1']);
    expect(settingsFor(c, 'bitcoin').has('disable-upnp')).toBe(false);
  });

  it('refuses a typo, a bad value, a repeated key and misplaced options with FILE:LINE', () => {
    expect(error('net=bitcoin\nworker_port=9332\n')).toBe(`${F}:2: unknown key "worker_port"`);
    expect(error('--fee=1\n')).toBe(`${F}:1: unknown key "--fee" (write keys without dashes)`);
    expect(error('conf=/x\n')).toBe(`${F}:1: unknown key "conf" (a config file cannot name another one)`);
    expect(error('\n\nworker-port=93320\n')).toBe(`${F}:3: worker-port must be a port number (0-65535), got "93320"`);
    expect(error('fee=lots\n')).toBe(`${F}:1: fee must be a percentage from 0 to 100, got "lots"`);
    expect(error('outgoing-conns=11\n')).toBe(`${F}:1: outgoing-conns must be a whole number from 0 to 10, got "11"`);
    expect(error('debug=maybe\n')).toBe(`${F}:1: debug must be 1 or 0 (or true/false), got "maybe"`);
    expect(error('log-format=xml\n')).toBe(`${F}:1: log-format must be one of pretty, json, got "xml"`);
    expect(error('fee=1\nfee=2\n')).toBe(`${F}:2: fee is already set at ${F}:1`);
    expect(error('address=\n')).toBe(`${F}:1: address must not be empty, got ""`);
    expect(error('disable-upnp\n')).toBe(`${F}:1: "disable-upnp" is not key=value (a flag is written key=1)`);
    expect(error('[mainnet]\n')).toMatch(new RegExp(`^${F}:1: unknown network section \\[mainnet\\] \\(valid: bitcoin, `));
    expect(error('[testnet\n')).toBe(`${F}:1: "[testnet" is not a section header like [testnet]`);
    expect(error('[testnet]\nnet=bitcoin\n')).toBe(`${F}:2: net cannot be set inside [testnet]: it applies to the whole file`);
    expect(error('[testnet]\ndatadir=/x\n')).toBe(`${F}:2: datadir cannot be set inside [testnet]: it applies to the whole file`);
    expect(error('fee=1\nnet=bit\u0000coin\n')).toBe(`${F}:2: line holds control characters; is it a text file?`);
    expect(error(`fee=${'1'.repeat(5000)}\n`)).toBe(`${F}:1: line is longer than 4096 characters`);
    expect(error('#'.repeat(MAX_CONFIG_BYTES + 1))).toBe(`${F}:1: file is larger than ${MAX_CONFIG_BYTES} bytes; is it a config file?`);
  });

  it('never shows a secret value in an error', () => {
    expect(error('bitcoind-rpc-password=\n')).toBe(`${F}:1: bitcoind-rpc-password must not be empty`);
  });

  it('on any text, returns or throws one ConfigError naming the file and a line (never another error)', () => {
    const keys = ['net', 'fee', 'worker-port', 'p2pool-node', 'debug', 'address', '[testnet]', '[x]', '#', '=', ' ', '\n', '\r\n', '\u0000', '\uFEFF'];
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.array(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), { maxLength: 40 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, (t) => {
        try {
          parseConfig(t, F);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          expect(e.message).toMatch(new RegExp(`^${F}:\\d+: [^\\n]+$`));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
