/**
 * The node's settings on the fair networks (src/cli/node-settings.ts, docs/operations.md#which-network):
 * `--net NAME-fair` picks the fair rules with their own ports, a taproot payout address is
 * accepted there and still refused on v35 with the same reason, `[NAME-fair]` sections apply,
 * `--max-coinbase-outputs` is read, and `--testnet` does not combine with a fair name.
 */
import { describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { parseConfig } from '../../src/cli/config-file.js';
import { payoutShareVersion } from '../../src/cli/node-settings.js';
import { getFairNetwork } from '../../src/sharechain/fair/networks.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { failure, settingsOf } from '../support/node-settings.js';

const TAPROOT_REGTEST = scriptToAddress(witnessScript(1, Buffer.alloc(32, 0x42)), getChainParams('regtest'))!;
const TAPROOT_MAINNET = 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297';

describe('node settings on the fair networks', () => {
  it('--net NAME-fair: the fair rules, their ports and share version', () => {
    const s = settingsOf(['--net', 'regtest-fair']);
    expect(s.net).toBe(getFairNetwork('regtest-fair'));
    expect([s.workerPort, s.p2p.port, s.bitcoind.rpcPort]).toEqual([19463, 19464, 18443]);
    expect(payoutShareVersion(s.net)).toBe(64);
    expect(payoutShareVersion(getP2PoolNetwork('regtest'))).toBe(35);
    const btc = settingsOf(['--net', 'bitcoin-fair']);
    expect([btc.workerPort, btc.p2p.port, btc.datadir, btc.logfile]).toEqual([9363, 9364, '/home/miner/.p2pool', '/home/miner/.p2pool/bitcoin-fair/log']);
    expect(failure(['--net', 'bitcoin-fair', '--testnet'])).toMatch(/^--testnet does not apply to bitcoin-fair: name the fair network itself/);
  });

  it('accepts a taproot payout address on a fair network, and refuses it on v35 with the same reason as before', () => {
    expect(settingsOf(['--net', 'regtest-fair', '-a', TAPROOT_REGTEST]).address).toBe(TAPROOT_REGTEST);
    expect(settingsOf(['--net', 'bitcoin-fair', '-a', TAPROOT_MAINNET]).address).toBe(TAPROOT_MAINNET);
    expect(failure(['-a', TAPROOT_MAINNET])).toMatch(/^payout address bc1p5d7r\S+ cannot be used on bitcoin: taproot addresses cannot be paid by P2Pool share v35/);
    // A wrong address on a fair network names taproot among the forms expected.
    expect(failure(['--net', 'bitcoin-fair', '-a', 'garbage'])).toMatch(/expected a bitcoin P2PKH \(1\.\.\.\), P2SH \(3\.\.\.\), segwit v0 \(bc1q\.\.\.\) or taproot \(bc1p\.\.\.\) address$/);
  });

  it('reads [NAME-fair] sections and max-coinbase-outputs from the config file', () => {
    const config = parseConfig(`net=regtest-fair\nworker-port=1000\nmax-coinbase-outputs=46\n[regtest-fair]\nworker-port=2000\n[regtest]\nworker-port=3000\n`, 'f.conf');
    const s = settingsOf([], config);
    expect([s.net.name, s.workerPort, s.maxCoinbaseOutputs]).toEqual(['regtest-fair', 2000, 46]);
    expect(settingsOf(['--max-coinbase-outputs', '11', '--net', 'signet-fair']).maxCoinbaseOutputs).toBe(11);
    expect(settingsOf(['--net', 'testnet4-fair']).maxCoinbaseOutputs).toBe(null);
    expect(failure(['--max-coinbase-outputs', '70000'])).toMatch(/^--max-coinbase-outputs must be a whole number from 0 to 65535/);
  });
});
