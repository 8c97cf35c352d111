import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AuxRpcClient, AuxRpcError, parseAuxUrl, parseAuxWork } from '../../src/merged/aux-rpc.js';
import { AuxChainServer } from '../support/aux-chain-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function client(url: string, userpass?: string): AuxRpcClient {
  const c = new AuxRpcClient(url, userpass, { timeoutMs: 1000 });
  cleanups.push(() => c.close());
  return c;
}

describe('parseAuxUrl', () => {
  it('takes credentials from the URL, or from --merged-userpass first, and never shows them', () => {
    expect(parseAuxUrl('http://u:p%40ss@127.0.0.1:8336/')).toMatchObject({ host: '127.0.0.1', port: 8336, path: '/', user: 'u', password: 'p@ss', display: 'http://127.0.0.1:8336/' });
    expect(parseAuxUrl('http://u:p@localhost:8336/wallet/x', 'other:se:cret')).toMatchObject({ user: 'other', password: 'se:cret', path: '/wallet/x', display: 'http://localhost:8336/wallet/x' });
    expect(() => parseAuxUrl('https://h:1/')).toThrow(/must be http/);
    expect(() => parseAuxUrl('not a url')).toThrow(AuxRpcError);
    expect(() => parseAuxUrl('http://h:1/', 'nocolon')).toThrow(/USER:PASS/);
  });
});

describe('parseAuxWork', () => {
  const hash = '11'.repeat(31) + '22';
  it('reads _target/target as little-endian hex (Namecoin HexStr of the uint256), else bits', () => {
    const le = '00'.repeat(30) + 'ff7f'; // 0x7fff << 240
    const w = parseAuxWork({ hash, chainid: 1, _target: le, height: 5 });
    expect(w.target).toBe(0x7fffn << 240n);
    expect(w.hash[0]).toBe(0x22); // internal order: display hex reversed
    expect(w.height).toBe(5);
    expect(parseAuxWork({ hash, chainid: 98, target: le }).target).toBe(0x7fffn << 240n);
    expect(parseAuxWork({ hash, chainid: 98, bits: '1d00ffff' }).target).toBe(0xffffn << 208n);
    expect(parseAuxWork({ hash, chainid: 98, target: 'p2pool', bits: '207fffff' }).target).toBe(0x7fffffn << 232n);
  });
  it('refuses what is not an aux block template', () => {
    for (const bad of [null, [], { hash: 'zz', chainid: 1, bits: '1d00ffff' }, { hash, chainid: -1, bits: '1d00ffff' }, { hash, chainid: 1.5, bits: '1d00ffff' }, { hash, chainid: 1 }, { hash, chainid: 1, _target: '00'.repeat(32) }]) {
      expect(() => parseAuxWork(bad)).toThrow(AuxRpcError);
    }
  });
});

describe('AuxRpcClient against a real aux chain server', () => {
  it('uses getauxblock where offered', async () => {
    const s = await AuxChainServer.start({ chainId: 1, style: 'getauxblock' });
    cleanups.push(() => s.stop());
    const c = client(s.url);
    const w = await c.getWork();
    expect(c.style).toBe('getauxblock');
    expect(w.chainId).toBe(1);
    expect(w.target).toBe(s.target);
    expect(s.calls).toEqual(['getauxblock']);
  });

  it('falls back to createauxblock with one getnewaddress when getauxblock is unknown', async () => {
    const s = await AuxChainServer.start({ chainId: 0x62, style: 'createauxblock' });
    cleanups.push(() => s.stop());
    const c = client(`http://127.0.0.1:${s.port}/`, 'aux:auxpass');
    const first = await c.getWork();
    const again = await c.getWork();
    expect(c.style).toBe('createauxblock');
    expect(c.payoutAddress).toBe('aux1address1');
    expect(again.hash.equals(first.hash)).toBe(true);
    expect(s.calls).toEqual(['getauxblock', 'getnewaddress', 'createauxblock', 'createauxblock']);
    expect(await c.submit(first.hash, Buffer.from('00', 'hex'))).toEqual({ accepted: false, reason: 'submitauxblock answered false' });
    expect(s.calls.at(-1)).toBe('submitauxblock');
  });

  it('says clearly when credentials are wrong or nothing listens', async () => {
    const s = await AuxChainServer.start({ chainId: 1, style: 'getauxblock' });
    cleanups.push(() => s.stop());
    await expect(client(`http://aux:wrong@127.0.0.1:${s.port}/`).getWork()).rejects.toThrow(/401 Unauthorized: check --merged-userpass/);
    await s.stop();
    cleanups.pop();
    await expect(client(s.url).getWork()).rejects.toThrow(/cannot connect \(ECONNREFUSED\)/);
  });

  it('gives up on a node that does not answer in time, and on an oversized answer', async () => {
    const hung = http.createServer(() => undefined);
    const huge = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': 2 * 1024 * 1024 });
      res.end();
    });
    for (const srv of [hung, huge]) {
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      cleanups.push(() => new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }));
    }
    const port = (s: http.Server): number => (s.address() as AddressInfo).port;
    await expect(client(`http://a:b@127.0.0.1:${port(hung)}/`).getWork()).rejects.toThrow(/no answer to getauxblock within the deadline/);
    await expect(client(`http://a:b@127.0.0.1:${port(huge)}/`).getWork()).rejects.toThrow(/exceeds the 1048576-byte limit/);
  });
});
