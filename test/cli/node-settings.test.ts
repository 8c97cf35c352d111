/**
 * From command line and config file to the node's settings (src/cli/node-settings.ts): the
 * example file in docs/operations.md holds every key and gives the same settings as the same
 * options typed on the command line; the command line overrides the file, a `[network]`
 * section its top level; a bad address, port or value is one line naming where it came from.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/cli/config-file.js';
import { NODE_OPTIONS } from '../../src/cli/node-options.js';
import { failure, HOME, settingsOf } from '../support/node-settings.js';

const docs = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
/** The ```ini block of docs/operations.md that starts with its every-key comment. */
const EXAMPLE = /```ini\n(# p2pool\.conf: every key[\s\S]*?)```/.exec(docs)![1]!;

/** The example's top-level settings as command-line options (a flag only when it is 1). */
function asCommandLine(text: string): string[] {
  const args: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) break;
    if (line === '' || line.startsWith('#')) continue;
    const [key, value] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
    const spec = NODE_OPTIONS.find((o) => o.key === key)!;
    if (spec.kind.type === 'bool') {
      if (value === '1') args.push(`--${key}`);
    } else {
      args.push(`--${key}`, value);
    }
  }
  return args;
}

describe('node settings from the command line and the config file', () => {
  it("docs/operations.md's example holds every key, and starts the same node as the same options on the command line", () => {
    const config = parseConfig(EXAMPLE, '/etc/p2pool/p2pool.conf');
    expect([...config.top.keys()].sort()).toEqual(NODE_OPTIONS.map((o) => o.key).sort());
    const fromFile = settingsOf([], config);
    const fromCli = settingsOf(asCommandLine(EXAMPLE));
    expect(fromCli).toEqual({ ...fromFile, confFile: null });
    expect(fromFile).toMatchObject({
      confFile: '/etc/p2pool/p2pool.conf',
      datadir: '/var/lib/p2pool',
      logFormat: 'json',
      feePercent: 0.5,
      bitcoind: { host: '127.0.0.1', rpcPort: 8332, p2pPort: 8333, auth: { kind: 'password', user: 'p2pool', password: 'a-long-random-password' } },
      p2p: { port: 9333, connect: ['203.0.113.7:9333', '198.51.100.23'], outgoingConns: 6, maxConns: 40, disableUpnp: false },
      merged: [{ url: 'http://127.0.0.1:8336/', userpass: 'nmcuser:nmcpassword' }],
    });
    expect(fromFile.net.name).toBe('bitcoin');
    expect(fromFile.secrets).toEqual(expect.arrayContaining(['a-long-random-password', 'nmcuser:nmcpassword', 'nmcpassword']));
    // The [testnet] section, when the command line picks testnet.
    const testnet = settingsOf(['--testnet'], config);
    expect(testnet.net.name).toBe('testnet');
    expect([testnet.workerPort, testnet.p2p.port, testnet.bitcoind.rpcPort, testnet.address]).toEqual([19332, 19333, 18332, 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx']);
    expect(testnet.feePercent).toBe(0.5);
  });

  it('command-line options override the file, a section its top level; defaults fill the rest', () => {
    const config = parseConfig('net=regtest\nworker-port=1000\nfee=2\np2pool-node=10.0.0.1\n[regtest]\nfee=3\n', 'f.conf');
    const s = settingsOf(['-w', '2000', '-n', '10.0.0.9', '-n', '10.0.0.8'], config);
    expect([s.net.name, s.workerPort, s.feePercent, s.p2p.connect]).toEqual(['regtest', 2000, 3, ['10.0.0.9', '10.0.0.8']]);
    expect(settingsOf(['--net', 'testnet'], config).feePercent).toBe(2);
    const d = settingsOf([]);
    expect(d).toMatchObject({
      datadir: `${HOME}/.p2pool`,
      logfile: `${HOME}/.p2pool/bitcoin/log`,
      logFormat: null,
      workerPort: 9332,
      workerHost: '0.0.0.0',
      bitcoind: { host: '127.0.0.1', rpcPort: 8332, p2pPort: 8333, auth: { kind: 'cookie', cookieFile: expect.stringMatching(/\/\.bitcoin\/\.cookie$/) as unknown } },
      p2p: { port: 9333, connect: [], outgoingConns: 6, maxConns: 40, disableUpnp: false },
    });
    // The positional credentials override the file's.
    const withFile = parseConfig('bitcoind-rpc-user=a\nbitcoind-rpc-password=b-secret\n', 'f.conf');
    expect(settingsOf(['u', 'pw-secret'], withFile).bitcoind.auth).toEqual({ kind: 'password', user: 'u', password: 'pw-secret' });
  });

  it('refuses a bad payout address first, naming what was expected or why', () => {
    expect(failure(['-a', 'garbage', '-w', 'nonsense'])).toBe(
      'payout address "garbage" is not usable on bitcoin: address "garbage" is not valid base58check (Invalid checksum); expected a bitcoin P2PKH (1...), P2SH (3...) or segwit v0 (bc1q...) address',
    );
    expect(failure(['-a', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx'])).toMatch(/is for network testnet\/testnet4\/signet, not bitcoin; expected a bitcoin P2PKH \(1\.\.\.\), P2SH \(3\.\.\.\) or segwit v0 \(bc1q\.\.\.\) address$/);
    expect(failure(['--net', 'litecoin', '-a', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'])).toMatch(/expected a litecoin P2PKH \(L\.\.\.\), P2SH \(M\.\.\.\) or segwit v0 \(ltc1q\.\.\.\) address$/);
    expect(failure(['-a', 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297'])).toMatch(
      /^payout address bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297 cannot be used on bitcoin: taproot addresses cannot be paid by P2Pool share v35/,
    );
    const file = parseConfig('\naddress=1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo\n', '/p/p2pool.conf');
    expect(failure(['--regtest'], file)).toMatch(/^\/p\/p2pool\.conf:2: payout address "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo" is not usable on regtest: /);
  });

  it('refuses bad ports and values, naming the option or FILE:LINE', () => {
    expect(failure(['-w', '99999'])).toBe('--worker-port must be a port number (0-65535), got "99999"');
    expect(failure(['--p2pool-port', '-1'])).toBe('--p2pool-port must be a port number (0-65535), got "-1"');
    expect(failure(['--fee', '101'])).toBe('--fee must be a percentage from 0 to 100, got "101"');
    expect(failure(['--outgoing-conns', '11'])).toBe('--outgoing-conns must be a whole number from 0 to 10, got "11"');
    expect(failure(['-w', '9333'])).toBe('the worker port and the P2Pool port are both 9333: give them different ports (-w, --p2pool-port)');
    expect(failure(['only-user'])).toMatch(/^give both RPCUSER and RPCPASSWORD/);
    expect(failure([], parseConfig('bitcoind-rpc-password=x-secret\n', 'f.conf'))).toMatch(/^give both RPCUSER and RPCPASSWORD/);
    expect(failure([], parseConfig('net=dogecoin\n', 'f.conf'))).toMatch(/^f\.conf:1: unknown network 'dogecoin'/);
    expect(failure([], parseConfig('net=namecoin\n', 'f.conf'))).toMatch(/^f\.conf:1: namecoin has no P2Pool sharechain/);
    expect(failure(['--merged-userpass', 'a:b'])).toBe('more merged-userpass than merged-url options');
  });
});
