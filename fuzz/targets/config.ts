/** The node's config file (src/cli/config-file.ts, docs/operations.md#the-config-file). */
import { ConfigError, parseConfig, settingsFor } from '../../src/cli/config-file.js';
import { P2POOL_NET_NAMES } from '../../src/sharechain/networks.js';
import type { FuzzTarget } from '../engine.js';
import { check, decodeOrRefuse } from './check.js';

const EXAMPLE = `# p2pool.conf
net=bitcoin
address=bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4
worker-port=9332
fee=0.5
p2pool-node=1.2.3.4:9333
p2pool-node=[2001:db8::1]:9333 # a second -n
bitcoind-address=127.0.0.1
max-conns=40
disable-upnp=1
[testnet]
worker-port=19332
address=tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx
[regtest]
bitcoind-rpc-port=18443
`;

export const config: FuzzTarget = {
  name: 'config',
  about: 'the config file (key=value lines, [network] sections, comments): parseConfig and settingsFor for every network throw only ConfigError, every setting says where it was written',
  covers: ['src/cli/config-file.ts', 'src/cli/node-options.ts'],
  seeds: () => [Buffer.from(EXAMPLE), Buffer.from('\uFEFFnet=regtest\r\n[regtest]\r\ndebug=1\r\n'), Buffer.from('worker-port=70000\n')],
  dictionary: ['\n', '=', '#', ' #', '[', ']', '[bitcoin]', '[litecoin-testnet]', 'net=', 'address=', 'worker-port=', 'p2pool-port=', 'fee=', 'give-author=', 'p2pool-node=', 'merged-url=', 'datadir=', 'logfile=', 'debug=', 'disable-upnp=', 'max-conns=', 'outgoing-conns=', 'bitcoind-rpc-port=', '\uFEFF', '\r\n'],
  maxLen: 8192,
  run(data) {
    const text = Buffer.from(data).toString('utf8');
    const parsed = decodeOrRefuse(() => parseConfig(text, 'p2pool.conf'), ConfigError);
    if (!parsed) return;
    for (const net of P2POOL_NET_NAMES) {
      const settings = decodeOrRefuse(() => settingsFor(parsed, net), ConfigError);
      if (!settings) continue;
      for (const s of settings.values()) {
        check(/^p2pool\.conf:\d+$/.test(s.where), `a setting without its place: ${JSON.stringify(s)}`);
        check(s.values.length > 0, `a setting without a value: ${s.key}`);
      }
    }
  },
};
