/** What bitcoind sends: JSON-RPC replies (templates, chain info, errors, ...) and P2P messages. */
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { AddressError, DecodeError } from '../../src/bitcoin/errors.js';
import { payloadChecksum } from '../../src/p2p/framing.js';
import { Bitcoind } from '../../src/chain/bitcoind.js';
import { BitcoindCheckError, RpcConnectionError, RpcError, RpcProtocolError, TemplateError } from '../../src/chain/errors.js';
import { decodeGetHeaders, decodeHeaders, decodeInv, decodeNonce, decodeVersion, encodeHeaders, encodeInv, encodeNonce, FrameReader } from '../../src/chain/p2p-messages.js';
import { parseReply, type RpcClient } from '../../src/chain/rpc-client.js';
import { AuxRpcError, parseAuxWork } from '../../src/merged/aux-rpc.js';
import type { FuzzTarget } from '../engine.js';
import { coreTemplates } from '../seeds.js';
import { check, decodeOrRefuse, decodeOrRefuseAsync, sameBytes } from './check.js';

const REGTEST = getChainParams('regtest');
const STATUSES = [200, 500, 404, 503];
const RPC_ERRORS = [RpcError, RpcProtocolError, RpcConnectionError, BitcoindCheckError, TemplateError, DecodeError, AddressError, AuxRpcError];

/**
 * The calls the node makes, each reading the replies it needs in order. Bitcoin Core's replies
 * (getblockchaininfo, getnetworkinfo, getdeploymentinfo shapes from Core 29) seed the rest.
 */
const CALLS: Array<(b: Bitcoind) => Promise<unknown>> = [
  (b) => b.checkNode(),
  (b) => b.getBlockTemplate(),
  (b) => b.submitBlock(Buffer.alloc(81)),
  (b) => b.getNewAddress(),
  (b) => b.validateAddress('bcrt1qrgggr830y0ppygtftxw7mnsg3fhyndsfr8pp9w'),
  (b) => b.getBestBlockHash(),
  (b) => b.getBlockHeader(Buffer.alloc(32, 1)),
];
/** The last choice: a merged-mining aux chain's getauxblock reply (parseAuxWork). */
const AUX = CALLS.length;

const reply = (result: unknown): string => JSON.stringify({ result, error: null, id: 1 });
const CHAIN_INFO = reply({ chain: 'regtest', blocks: 111, headers: 111, bestblockhash: '1a7e5e0c55742a90ee9c0f514010d245805b12657b022093e7070d18872b1e82', initialblockdownload: false, pruned: false, softforks: { segwit: { type: 'buried', active: true, height: 0 }, csv: { type: 'buried', active: true, height: 0 } } });
const NETWORK_INFO = reply({ version: 299900, subversion: '/Satoshi:29.99.0/', protocolversion: 70016 });
const DEPLOYMENTS = reply({ hash: '00', height: 111, deployments: { segwit: { type: 'buried', active: true, height: 0 }, csv: { type: 'buried', active: true, height: 0 }, taproot: { type: 'buried', active: true, height: 0 } } });
const GENESIS = reply(REGTEST.genesisHash ?? '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');

export const rpcReply: FuzzTarget = {
  name: 'rpc-reply',
  covers: ['src/chain/bitcoind.ts', 'src/chain/block-template.ts', 'src/merged/aux-rpc.ts'],
  about: 'bitcoind JSON-RPC reply bodies (any HTTP status) through the node\'s calls: startup checks (getblockchaininfo, getnetworkinfo, getdeploymentinfo), getblocktemplate, submitblock, getnewaddress, validateaddress, getbestblockhash, getblockheader, getauxblock: only the typed RPC/check/template errors',
  seeds: () => {
    const join = (call: number, ...replies: string[]): Buffer => Buffer.from(String.fromCharCode(call) + replies.map((r) => `\u0000${r}`).join(''), 'latin1');
    const seeds = [
      join(0, CHAIN_INFO, NETWORK_INFO, GENESIS, DEPLOYMENTS),
      join(0, reply({ chain: 'main' }), NETWORK_INFO),
      join(0, JSON.stringify({ result: null, error: { code: -28, message: 'Loading block index...' }, id: 1 })),
      join(2, reply(null)), join(2, reply('high-hash')), join(3, reply('bcrt1qrgggr830y0ppygtftxw7mnsg3fhyndsfr8pp9w')),
      join(4, reply({ isvalid: true, ismine: false })), join(5, reply('1a7e5e0c55742a90ee9c0f514010d245805b12657b022093e7070d18872b1e82')),
      join(6, reply({ hash: '01'.repeat(32), height: 5, confirmations: 1, previousblockhash: '00'.repeat(32) })),
      join(7, reply({ hash: '11'.repeat(32), chainid: 1, previousblockhash: '00'.repeat(32), coinbasevalue: 5000000000, bits: '207fffff', height: 1, target: '7fffff0000000000000000000000000000000000000000000000000000000000' })),
      join(0, '<html>busy</html>'),
    ];
    for (const t of coreTemplates()) seeds.push(join(1, reply(JSON.parse(t))));
    return seeds;
  },
  dictionary: ['"result"', '"error"', '"code"', '"message"', 'null', 'true', '"active"', '"softforks"', '"deployments"', '"chain"', '"regtest"', '"version"', '"transactions"', '"coinbasevalue"', '"bits"', '"height"', '"curtime"', '"rules"', '"segwit"', '"!segwit"', '"mweb"', '"default_witness_commitment"', '"weight"', '"fee"', '"depends"', '"longpollid"', '"mintime"', '"previousblockhash"', '"target"', '"vbrequired"', '"version"', '"chainid"'],
  maxLen: 65536,
  async run(data) {
    const text = Buffer.from(data).toString('latin1');
    const pick = (text.charCodeAt(0) || 0) % (CALLS.length + 1);
    const bodies = text.slice(1).split('\u0000').slice(1);
    const status = STATUSES[(text.charCodeAt(0) >> 3) % STATUSES.length]!;
    let i = 0;
    const next = (method: string): unknown => parseReply(method, status, bodies[i++] ?? '', '127.0.0.1:18443');
    const rpc = { call: async (method: string) => next(method), close: () => undefined } as unknown as RpcClient;
    const b = new Bitcoind({ rpc, chain: REGTEST });
    await decodeOrRefuseAsync(() => (pick === AUX ? Promise.resolve().then(() => parseAuxWork(next('getauxblock'))) : CALLS[pick]!(b)), ...RPC_ERRORS);
  },
};

const MAGIC = REGTEST.magic;
const P2P_COMMANDS = ['version', 'verack', 'ping', 'pong', 'inv', 'getdata', 'headers', 'getheaders', 'sendheaders', 'block'];

function frame(command: string, payload: Buffer): Buffer {
  const h = Buffer.alloc(24);
  MAGIC.copy(h, 0);
  h.write(command, 4, 'latin1');
  h.writeUInt32LE(payload.length, 16);
  payloadChecksum(payload).copy(h, 20);
  return Buffer.concat([h, payload]);
}

export const bitcoindP2p: FuzzTarget = {
  name: 'bitcoind-p2p',
  covers: ['src/chain/p2p-messages.ts'],
  about: 'bitcoind P2P stream (frames with magic, command, length, checksum; version, ping/pong, inv/getdata, headers, getheaders): only DecodeError; inv and nonces re-encode to the same bytes, headers to the same headers',
  seeds: () => {
    const ver = Buffer.from('7f1101000904000000000000' + 'a0c1c46900000000' + '00'.repeat(52) + '0102030405060708' + '102f5361746f7368693a32392e39392f' + '6f000000' + '01', 'hex');
    const inv = encodeInv([{ type: 2, hash: Buffer.alloc(32, 7) }, { type: 0x40000002, hash: Buffer.alloc(32, 8) }]);
    const headers = encodeHeaders([Buffer.alloc(80, 3), Buffer.alloc(80, 4)]);
    const gh = Buffer.concat([Buffer.from('7f110100', 'hex'), Buffer.from([1]), Buffer.alloc(32, 5), Buffer.alloc(32)]);
    return [
      Buffer.concat([Uint8Array.of(0), frame('version', ver), frame('verack', Buffer.alloc(0)), frame('ping', encodeNonce(42n))]),
      Buffer.concat([Uint8Array.of(0), frame('inv', inv), frame('headers', headers), frame('getheaders', gh), frame('getdata', inv)]),
    ];
  },
  dictionary: [MAGIC, ...P2P_COMMANDS.map((c) => Buffer.from(c))],
  maxLen: 16384,
  run(data) {
    const b = Buffer.from(data);
    const fix = (b[0] ?? 0) & 1;
    const stream = b.subarray(1);
    if (fix) {
      // Fix the checksums, so mutations reach the message decoders.
      for (let at = 0; at + 24 <= stream.length;) {
        const len = stream.readUInt32LE(at + 16);
        if (at + 24 + len > stream.length) break;
        payloadChecksum(stream.subarray(at + 24, at + 24 + len)).copy(stream, at + 20);
        at += 24 + len;
      }
    }
    const reader = new FrameReader(MAGIC, 1 << 20);
    for (let at = 0; at < stream.length; at += 53) {
      const frames = decodeOrRefuse(() => reader.push(stream.subarray(at, at + 53)), DecodeError);
      if (!frames) return;
      for (const f of frames) {
        switch (f.command) {
          case 'version': {
            const v = decodeOrRefuse(() => decodeVersion(f.payload), DecodeError);
            if (v) check(v.userAgent.length <= 256, 'user agent over its limit');
            break;
          }
          case 'ping':
          case 'pong': {
            const n = decodeOrRefuse(() => decodeNonce(f.payload), DecodeError);
            if (n !== undefined) sameBytes('ping', f.payload, encodeNonce(n));
            break;
          }
          case 'inv':
          case 'getdata': {
            const items = decodeOrRefuse(() => decodeInv(f.payload), DecodeError);
            if (items) sameBytes(f.command, f.payload, encodeInv(items));
            break;
          }
          case 'headers': {
            // Each header's transaction count is read and ignored, as Bitcoin Core does
            // (net_processing.cpp: "ignore tx count; assume it is 0"), so the bytes round-trip
            // only with counts of 0: the headers must (a finding of the first long run,
            // test/fixtures/fuzz/bitcoind-p2p/).
            const h = decodeOrRefuse(() => decodeHeaders(f.payload), DecodeError);
            if (h) {
              const again = decodeHeaders(encodeHeaders(h));
              check(again.length === h.length && again.every((x, i) => x.equals(h[i]!)), 'headers changed through encode -> decode');
            }
            break;
          }
          case 'getheaders':
            decodeOrRefuse(() => decodeGetHeaders(f.payload), DecodeError);
            break;
        }
      }
    }
  },
};
