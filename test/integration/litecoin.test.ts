/**
 * Litecoin end to end on one machine: the work layer on a network with Litecoin's constants
 * (share version, identifier, prefix, share period, scrypt parent: getP2PoolNetwork('litecoin'))
 * except a CPU-minable MAX_TARGET (2^255, as the reference's btcregtest) and no persistence,
 * a template source of our own (Litecoin mainnet MWEB-era block 2383209 from the fixture,
 * split into what Litecoin Core's getblocktemplate would answer, HogEx and `mweb` included)
 * and a scrypt CPU miner speaking real Stratum over TCP (test/support/scrypt-miner.ts).
 *
 * Checked: the Stratum difficulties the miner receives are the scrypt-scaled ones (x65536),
 * the miner's scrypt solutions at those difficulties are accepted, and every share that lands
 * in the sharechain has a scrypt PoW (computed by node:crypto in the miner, not by our code)
 * meeting its share target and pays the miner's Litecoin address.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { decodeBlockWithRaw } from '../../src/bitcoin/block.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { merkleRoot } from '../../src/bitcoin/merkle.js';
import { hashToDisplayHex, toHex } from '../../src/bitcoin/hex.js';
import { p2pkhScript, witnessScript } from '../../src/bitcoin/script.js';
import { parseBlockTemplate, type BlockTemplate } from '../../src/chain/block-template.js';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { getP2PoolNetwork, type P2PoolNetwork } from '../../src/sharechain/networks.js';
import { StratumServer } from '../../src/stratum/server.js';
import type { Share } from '../../src/sharechain/types.js';
import { PoolWork } from '../../src/work/pool-work.js';
import { ScryptTestMiner, scryptHeader } from '../support/scrypt-miner.js';
import { waitFor } from '../support/wait.js';

const litecoin = getChainParams('litecoin');
/** Litecoin's P2Pool constants with an easy share target: CPU scrypt finds a share in ~2 hashes. */
const net: P2PoolNetwork = Object.freeze({ ...getP2PoolNetwork('litecoin'), maxTarget: (1n << 255n) - 1n, persist: false });
const MINER = scriptToAddress(p2pkhScript(hash160(Buffer.from('litecoin test miner'))), litecoin)!;
const NODE = scriptToAddress(witnessScript(0, hash160(Buffer.from('litecoin test node'))), litecoin)!;
/** Difficulty 1 (0xffff * 2^208) over the network's MAX_TARGET, written out independently of target.ts. */
const SHARE_DIFFICULTY = Number(0xffffn << 208n) / Number(net.maxTarget);

/** Litecoin Core's getblocktemplate answer for the fixture's mainnet block 2383209. */
function litecoinTemplate(): BlockTemplate {
  const ltc = JSON.parse(readFileSync(new URL('../fixtures/litecoin/litecoin.json', import.meta.url), 'utf8')) as {
    blocks: { name: string; block_hex: string | null; height: number }[];
  };
  const b = ltc.blocks.find((x) => x.name === 'litecoin_mainnet_block_2383209')!;
  const block = decodeBlockWithRaw(Buffer.from(b.block_hex!, 'hex'), { mweb: true });
  const coinbaseValue = block.txs[0]!.tx.outputs.reduce((n, o) => n + o.value, 0);
  return parseBlockTemplate({
    version: block.header.version,
    previousblockhash: hashToDisplayHex(block.header.prevBlock),
    transactions: block.txs.slice(1).map((t) => ({ data: toHex(t.raw), txid: hashToDisplayHex(t.txid), hash: hashToDisplayHex(t.wtxid), fee: 0, depends: [] })),
    coinbasevalue: coinbaseValue,
    bits: block.header.bits.toString(16).padStart(8, '0'),
    curtime: Math.floor(Date.now() / 1000),
    height: b.height,
    rules: ['csv', '!segwit', 'taproot', '!mweb'],
    mweb: toHex(block.mwebSuffix.subarray(1)),
  });
}

let server: Server;
let stratum: StratumServer;
let chain: ChainState;
let work: PoolWork;
let miner: ScryptTestMiner;
const template = litecoinTemplate();
const templates: { current: BlockTemplate; stale: boolean } = { current: template, stale: false };
const blocks: Buffer[] = [];

beforeAll(async () => {
  chain = new ChainState({ net });
  work = new PoolWork({
    net,
    chain,
    templates,
    submitter: { submitBlock: async (block) => (blocks.push(block), null) },
    nodeAddress: NODE,
  });
  stratum = new StratumServer(work);
  work.on('work', (clean) => stratum.broadcastWork(clean));
  chain.on('best', () => work.workChanged(true));
  server = createServer((s) => stratum.accept(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  miner = new ScryptTestMiner({ port: (server.address() as AddressInfo).port, username: MINER, difficultyMultiplier: litecoin.stratumDifficultyMultiplier });
  await miner.connect();
}, 60_000);

afterAll(async () => {
  miner?.close();
  stratum?.close();
  await new Promise((r) => server?.close(r));
});

describe('Litecoin: scrypt shares over Stratum', { timeout: 180_000 }, () => {
  it('the template carries the HogEx and the MWEB block for the block builder', () => {
    expect(template.mwebSuffix[0]).toBe(1);
    expect(template.transactions.length).toBeGreaterThan(1);
  });

  it('the miner is authorized with its L... address and gets jobs at a scaled difficulty', async () => {
    const auth = await miner.login();
    expect(auth.result).toBe(true);
    await waitFor('a job', () => miner.notifies.length > 0);
    // The share difficulty of the network (~2^-31) x 65536, as scrypt miners expect.
    expect(miner.difficulties.length).toBeGreaterThan(0);
    expect(miner.difficulties[0]! / (SHARE_DIFFICULTY * 65536)).toBeCloseTo(1, 6);
    expect(miner.difficulties[0]!).toBeGreaterThan(SHARE_DIFFICULTY * 1000);
  });

  it('scrypt solutions at that difficulty become shares whose scrypt PoW meets their targets', async () => {
    miner.start();
    await waitFor('5 shares in the sharechain', () => chain.tracker.size >= 5, 150_000);
    miner.stop();
    await waitFor('answers to every submission', () => miner.submits.every((s) => s.answered));
    // Every solution at the scaled difficulty is accepted, except one that raced a new job
    // (Stratum error 21, job not found): never "low difficulty" (23), which unscaled targets would give.
    for (const s of miner.submits) {
      if (s.error !== null) expect((s.error as unknown[])[0], JSON.stringify(s.error)).toBe(21);
      else expect(s.result).toBe(true);
    }
    expect(miner.submits.filter((s) => s.result === true).length).toBeGreaterThanOrEqual(5);
    const shares: Share[] = [];
    for (let h = chain.best; h !== null; ) {
      const share = chain.tracker.get(h);
      if (!share) break;
      shares.push(share);
      h = share.prevHash;
    }
    expect(shares.length).toBeGreaterThanOrEqual(5);
    const submitted = new Set(miner.submits.map((s) => s.header.toString('hex')));
    for (const share of shares) {
      expect(submitted.has(share.header.toString('hex'))).toBe(true);
      const pow = scryptHeader(share.header);
      expect(share.powHash.equals(pow)).toBe(true);
      expect(BigInt(`0x${Buffer.from(pow).reverse().toString('hex')}`) <= share.target).toBe(true);
      expect(share.payee).toBe(MINER);
      expect(hashToDisplayHex(share.header.subarray(4, 36))).toBe(hashToDisplayHex(template.previousBlockHash));
    }
    // The real Litecoin bits: no CPU share is a block.
    expect(blocks).toHaveLength(0);
  });

  it('a block found on an MWEB template carries the HogEx last and the MWEB block after it, as the template gave them', async () => {
    // Same template with regtest's easiest bits: every scrypt share is now also a block.
    templates.current = { ...template, bits: 0x207fffff };
    work.workChanged(true);
    miner.start();
    await waitFor('a block submitted', () => blocks.length > 0, 150_000);
    miner.stop();
    const raw = blocks[0]!;
    const block = decodeBlockWithRaw(raw, { mweb: true });
    expect(raw.subarray(raw.length - template.mwebSuffix.length).equals(template.mwebSuffix)).toBe(true);
    expect(block.mwebSuffix.equals(template.mwebSuffix)).toBe(true);
    // Coinbase, then the template's transactions in order (the HogEx last), byte for byte.
    expect(block.txs.slice(1).map((t) => toHex(t.raw))).toEqual(template.transactions.map((t) => toHex(t.data)));
    expect(block.txs.at(-1)!.tx.hogEx).toBe(true);
    expect(merkleRoot(block.txs.map((t) => t.txid)).equals(block.header.merkleRoot)).toBe(true);
  });
});
