/**
 * Bitcoind against stand-ins for Litecoin Core and a signet Bitcoin Core on a real loopback
 * HTTP server: the getblocktemplate rules each chain requires (with Core's own refusal
 * strings when they are missing), Litecoin's `mweb` template kept for the block, and the
 * signet notice at startup. Real-node runs are in test/integration/bitcoind.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type net from 'node:net';
import { readFileSync } from 'node:fs';
import { decodeBlockWithRaw } from '../../src/bitcoin/block.js';
import { getChainParams, type ChainParams } from '../../src/bitcoin/chain-params.js';
import { hashToDisplayHex, toHex } from '../../src/bitcoin/hex.js';
import { Bitcoind, signetNotice, templateRequestRules } from '../../src/chain/bitcoind.js';
import { RpcError } from '../../src/chain/errors.js';
import { RpcClient } from '../../src/chain/rpc-client.js';

type Methods = Record<string, (params: unknown[]) => unknown>;
let methods: Methods = {};
let server: http.Server;
let port: number;
const seen: { method: string; params: unknown[] }[] = [];
const clients: RpcClient[] = [];

/** Core's JSON-RPC 1.0 replies (httprpc.cpp): 200 with the result, 500 with {code, message}. */
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { method: string; params: unknown[]; id: number };
      seen.push({ method: body.method, params: body.params });
      let status = 200;
      let out: unknown;
      try {
        const fn = methods[body.method];
        if (!fn) {
          status = 404;
          out = { result: null, error: { code: -32601, message: 'Method not found' }, id: body.id };
        } else {
          out = { result: fn(body.params), error: null, id: body.id };
        }
      } catch (e) {
        status = 500;
        out = { result: null, error: e as object, id: body.id };
      }
      const text = JSON.stringify(out);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await new Promise((r) => server.close(r));
});

function bitcoindFor(chain: ChainParams, logs: string[] = []): Bitcoind {
  const rpc = new RpcClient({ host: '127.0.0.1', port, auth: { kind: 'password', user: 'u', password: 'p' } });
  clients.push(rpc);
  return new Bitcoind({ rpc, chain, log: (level, msg) => logs.push(`${level} ${msg}`) });
}

/** The fixture's testnet4 MWEB block 2215586 as Litecoin Core's getblocktemplate would list it. */
function litecoinTemplate(): { gbt: Record<string, unknown>; raw: Buffer } {
  const ltc = JSON.parse(readFileSync(new URL('../fixtures/litecoin/litecoin.json', import.meta.url), 'utf8')) as { blocks: { name: string; block_hex: string | null; height: number }[] };
  const b = ltc.blocks.find((x) => x.name === 'litecoin_testnet4_block_2215586')!;
  const raw = Buffer.from(b.block_hex!, 'hex');
  const block = decodeBlockWithRaw(raw, { mweb: true });
  return {
    raw,
    gbt: {
      version: block.header.version,
      previousblockhash: hashToDisplayHex(block.header.prevBlock),
      transactions: block.txs.slice(1).map((t) => ({ data: toHex(t.raw), txid: hashToDisplayHex(t.txid), hash: hashToDisplayHex(t.wtxid), fee: 0, depends: [] })),
      coinbasevalue: 0,
      bits: block.header.bits.toString(16).padStart(8, '0'),
      curtime: block.header.timestamp,
      height: b.height,
      rules: ['csv', '!segwit', 'taproot', '!mweb'],
      mweb: toHex(block.mwebSuffix.subarray(1)),
    },
  };
}

/** Core's RPC_INVALID_PARAMETER refusal when a required client rule is missing (rpc/mining.cpp). */
function requireRules(params: unknown[], rules: string[], message: string): void {
  const req = (params[0] ?? {}) as { rules?: string[] };
  for (const r of rules) if (!req.rules?.includes(r)) throw { code: -8, message };
}

describe('getblocktemplate rules per chain', () => {
  it('bitcoin asks for segwit, signet also for signet, litecoin also for mweb', () => {
    expect(templateRequestRules(getChainParams('bitcoin'))).toEqual(['segwit']);
    expect(templateRequestRules(getChainParams('regtest'))).toEqual(['segwit']);
    expect(templateRequestRules(getChainParams('signet'))).toEqual(['segwit', 'signet']);
    expect(templateRequestRules(getChainParams('litecoin'))).toEqual(['mweb', 'segwit']);
    expect(templateRequestRules(getChainParams('litecoin-testnet'))).toEqual(['mweb', 'segwit']);
  });

  it("Litecoin Core's template is accepted with its mweb field, which the block carries", async () => {
    const { gbt, raw } = litecoinTemplate();
    methods = {
      getblocktemplate: (params) => {
        requireRules(params, ['segwit', 'mweb'], 'getblocktemplate must be called with the segwit & mweb rule sets (call with {"rules": ["segwit", "mweb"]})');
        return gbt;
      },
    };
    seen.length = 0;
    const t = await bitcoindFor(getChainParams('litecoin-testnet')).getBlockTemplate();
    expect(seen[0]!.params[0]).toEqual({ rules: ['mweb', 'segwit'] });
    expect(t.mwebSuffix.equals(decodeBlockWithRaw(raw, { mweb: true }).mwebSuffix)).toBe(true);
    // With Bitcoin's rules only, Litecoin Core refuses: the rules really matter.
    const plain = new Bitcoind({ rpc: clients[clients.length - 1]!, chain: getChainParams('litecoin-testnet'), requestRules: ['segwit'] });
    await expect(plain.getBlockTemplate()).rejects.toThrow(RpcError);
  });

  it("signet's template request names the signet rule", async () => {
    const { gbt } = litecoinTemplate();
    const noMweb = { ...gbt, mweb: undefined, transactions: [], rules: ['csv', '!segwit', '!signet'] };
    methods = {
      getblocktemplate: (params) => {
        requireRules(params, ['segwit', 'signet'], 'getblocktemplate must be called with the signet rule set (call with {"rules": ["segwit", "signet"]})');
        return noMweb;
      },
    };
    const t = await bitcoindFor(getChainParams('signet')).getBlockTemplate();
    expect(t.mwebSuffix.length).toBe(0);
    expect(t.rules).toContain('!signet');
  });
});

describe('signet notice at startup', () => {
  const coreSignet = (challenge: string): Methods => ({
    getblockchaininfo: () => ({ chain: 'signet', blocks: 200_000, headers: 200_000, initialblockdownload: false, pruned: false, signet_challenge: challenge }),
    getnetworkinfo: () => ({ version: 290000, subversion: '/Satoshi:29.0.0/' }),
    getblockhash: () => getChainParams('signet').genesisHash,
    getdeploymentinfo: () => ({ deployments: { bip65: { active: true }, csv: { active: true }, segwit: { active: true } } }),
  });

  it('says that only the configured signers can make blocks on the default signet', async () => {
    const signet = getChainParams('signet');
    methods = coreSignet(signet.signet!.challenge.toString('hex'));
    const logs: string[] = [];
    const report = await bitcoindFor(signet, logs).checkNode();
    expect(report.warnings.join('\n')).toMatch(/only the signet's configured signers can make blocks/);
    expect(logs.some((l) => l.startsWith('warn signet: only the signet'))).toBe(true);
  });

  it('says blocks can be accepted when the challenge is OP_TRUE', async () => {
    methods = coreSignet('51');
    const report = await bitcoindFor(getChainParams('signet')).checkNode();
    expect(report.warnings.join('\n')).toMatch(/challenge is OP_TRUE, so blocks found here can be accepted/);
  });

  it('no notice on other chains', () => {
    expect(signetNotice(getChainParams('testnet4'))).toBeNull();
    expect(signetNotice(getChainParams('signet'))).toMatch(/cannot be accepted unless the node's signet challenge is trivial/);
  });
});
