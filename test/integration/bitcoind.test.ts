/**
 * The chain layer against a real full node: bcoin 1.0.2 regtest, in this process, segwit active.
 * Blocks are built here from the node's own template by a small test-only builder (coinbase
 * with the BIP34 height and the witness commitment, merkle root, header, nonce search) made
 * from the bitcoin/ layer; the node's acceptance is the proof.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { encodeHeader, type BlockHeader } from '../../src/bitcoin/block.js';
import { blockSubsidy, getChainParams, powHash } from '../../src/bitcoin/chain-params.js';
import { ByteWriter } from '../../src/bitcoin/bytes.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { hashToBigInt, hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { merkleRoot } from '../../src/bitcoin/merkle.js';
import { bip34HeightPush, pushData, witnessScript } from '../../src/bitcoin/script.js';
import { bitsToTarget } from '../../src/bitcoin/target.js';
import { encodeTransaction, txid, type Transaction } from '../../src/bitcoin/transaction.js';
import { witnessCommitment, witnessCommitmentScript, witnessMerkleRoot } from '../../src/bitcoin/witness.js';
import type { BlockTemplate } from '../../src/chain/block-template.js';
import { Bitcoind } from '../../src/chain/bitcoind.js';
import { BitcoindP2p } from '../../src/chain/bitcoind-p2p.js';
import { RpcClient } from '../../src/chain/rpc-client.js';
import { TemplateSource } from '../../src/chain/template-source.js';
import { startBcoinNode, type BcoinNode } from '../support/bcoin-node.js';

const regtest = getChainParams('regtest');
const coreRejects = JSON.parse(readFileSync(new URL('../fixtures/bitcoin-core-regtest/submitblock-results.json', import.meta.url), 'utf8')) as
  Record<string, { submitblock_result: string | null }>;
/** A P2WPKH payout script for a fixed test key hash. */
const PAYOUT = witnessScript(0, hash160(Buffer.from('p2pool integration test payout')));

interface Defects { overpay?: boolean; noHeight?: boolean; badMerkle?: boolean; highHash?: boolean; noCommitment?: boolean }

/** A block on `t` with only a coinbase (the template's transactions included), as a miner would build it. */
function buildBlock(t: BlockTemplate, extranonce: number, defects: Defects = {}): { bytes: Buffer; hash: Buffer } {
  const scriptSig = Buffer.concat([
    defects.noHeight ? pushData(Buffer.from('no height')) : bip34HeightPush(t.height),
    pushData(new ByteWriter(4).writeU32LE(extranonce).toBytes()),
  ]);
  // Our own commitment from the template's wtxids must equal the node's default (BIP141).
  const commitmentScript = witnessCommitmentScript(witnessCommitment(witnessMerkleRoot(t.transactions.map((x) => x.wtxid)), Buffer.alloc(32)));
  expect(commitmentScript).toEqual(t.defaultWitnessCommitment);
  const outputs = [{ value: t.coinbaseValue + (defects.overpay ? 1 : 0), script: PAYOUT }];
  if (!defects.noCommitment) outputs.push({ value: 0, script: commitmentScript });
  const coinbase: Transaction = {
    version: 1,
    inputs: [{ prevout: { hash: Buffer.alloc(32), index: 0xffffffff }, script: scriptSig, sequence: 0xffffffff, witness: [Buffer.alloc(32)] }],
    outputs,
    locktime: 0,
  };
  const txids = [txid(coinbase), ...t.transactions.map((x) => x.txid)];
  const header: BlockHeader = {
    version: t.version,
    prevBlock: t.previousBlockHash,
    merkleRoot: defects.badMerkle ? Buffer.alloc(32) : merkleRoot(txids),
    timestamp: Math.max(t.curtime, t.mintime),
    bits: t.bits,
    nonce: 0,
  };
  const target = bitsToTarget(t.bits);
  // Regtest's target is about 2**255: half of all nonces work; for a high hash find one that does not.
  for (;;) {
    const pow = hashToBigInt(powHash(regtest, encodeHeader(header)));
    if (defects.highHash ? pow > target : pow <= target) break;
    header.nonce++;
  }
  const bytes = Buffer.concat([
    encodeHeader(header),
    new ByteWriter(1).writeCompactSize(txids.length).toBytes(),
    encodeTransaction(coinbase),
    ...t.transactions.map((x) => x.data),
  ]);
  return { bytes, hash: powHash(regtest, encodeHeader(header)) };
}

let node: BcoinNode;
let rpc: RpcClient;
let bitcoind: Bitcoind;
const logs: string[] = [];

beforeAll(async () => {
  node = await startBcoinNode();
  // Recorded for docs/bitcoind.md: how long the segwit-activating 432 blocks take here.
  console.log(`bcoin regtest: ${node.height()} blocks mined in ${node.initialMiningMs} ms`);
  rpc = new RpcClient({ host: node.host, port: node.rpcPort, auth: { kind: 'password', user: node.rpcUser, password: node.rpcPassword } });
  bitcoind = new Bitcoind({ rpc, chain: regtest, log: (level, msg) => logs.push(`${level} ${msg}`) });
});

afterAll(async () => {
  rpc?.close();
  await node?.stop();
});

describe('bitcoind interface on bcoin regtest', () => {
  it('startup checks pass: chain regtest, segwit and csv active; bcoin quirks reported, not fatal', async () => {
    const report = await bitcoind.checkNode();
    expect(report.chain).toBe('regtest');
    expect(report.softForks['segwit']).toBe('active');
    expect(report.softForks['csv']).toBe('active');
    expect(report.initialBlockDownload).toBe(false);
    expect(report.blocks).toBe(432);
    // bcoin says "v1.0.2", and enforces BIP65 on regtest only from height 1351.
    expect(report.version).toBe('v1.0.2');
    expect(report.warnings.join('\n')).toMatch(/bip65.*not active yet/);
  });

  it('the template extends the tip and pays the regtest subsidy', async () => {
    const t = await bitcoind.getBlockTemplate();
    expect(t.height).toBe(node.height() + 1);
    expect(hashToDisplayHex(t.previousBlockHash)).toBe(node.tipHash());
    expect(t.rules).toContain('!segwit');
    expect(t.coinbaseValue).toBe(blockSubsidy(regtest, t.height) + t.totalFees);
    expect(t.defaultWitnessCommitment).not.toBeNull();
  });

  it('a block built from the template is accepted by submitblock and becomes the tip', async () => {
    const t = await bitcoind.getBlockTemplate();
    const { bytes, hash } = buildBlock(t, 1);
    expect(await bitcoind.submitBlock(bytes)).toBeNull();
    expect(node.tipHash()).toBe(hashToDisplayHex(hash));
    const header = await bitcoind.getBlockHeader(hash);
    expect(header?.height).toBe(t.height);
    expect(await bitcoind.getBlockHeight(hash)).toBe(t.height);
    expect(bitcoind.cachedHeight(hash)).toBe(t.height);
    // Submitting it again: Core says "duplicate"; bcoin says "duplicate" too (after its "rejected: " prefix is cut).
    expect(await bitcoind.submitBlock(bytes)).toBe(coreRejects['valid-again']!.submitblock_result);
  });

  it("defective blocks are refused with the same reason strings Core gives", async () => {
    const t = await bitcoind.getBlockTemplate();
    const tip = node.tipHash();
    const cases: [Defects, string][] = [
      [{ badMerkle: true }, 'bad-merkle'],
      [{ highHash: true }, 'high-hash'],
      [{ overpay: true }, 'coinbase-overpays'],
    ];
    for (const [defect, name] of cases) {
      const { bytes } = buildBlock(t, 2, defect);
      expect(await bitcoind.submitBlock(bytes), name).toBe(coreRejects[name]!.submitblock_result);
    }
    expect(node.tipHash()).toBe(tip);
  });

  it('a difference: bcoin regtest does not enforce BIP34 (Core says bad-cb-height), so our miners must not rely on it to catch a bad coinbase', async () => {
    expect(coreRejects['no-bip34-height']!.submitblock_result).toBe('bad-cb-height');
    const t = await bitcoind.getBlockTemplate();
    const { bytes, hash } = buildBlock(t, 4, { noHeight: true });
    expect(await bitcoind.submitBlock(bytes)).toBeNull();
    expect(node.tipHash()).toBe(hashToDisplayHex(hash));
  });

  it('unknown blocks have no header or height', async () => {
    expect(await bitcoind.getBlockHeader(Buffer.alloc(32, 0x42))).toBeNull();
  });

  it('getnewaddress: bcoin has no wallet RPC on the node, and the error says to use -a', async () => {
    await expect(bitcoind.getNewAddress()).rejects.toThrow(/-a ADDRESS/);
  });
});

describe('P2P client and template source on bcoin regtest', () => {
  let p2p: BitcoindP2p;
  let source: TemplateSource;

  beforeAll(async () => {
    p2p = new BitcoindP2p({ host: node.host, port: node.p2pPort, magic: regtest.magic });
    const connected = new Promise((r) => p2p.once('connected', r));
    p2p.start();
    await connected;
    source = new TemplateSource({ bitcoind, blockNotifier: p2p, pollIntervalMs: 60_000 });
    await source.start();
  });

  afterAll(() => {
    source?.stop();
    p2p?.stop();
  });

  it('handshake: bcoin answers with its version', () => {
    expect(p2p.peerInfo?.userAgent).toBe('/bcoin:v1.0.2/');
    expect(p2p.peerInfo?.startHeight).toBe(node.height());
  });

  it('a block mined by the node: P2P block event with its hash, new template within 1 s', async () => {
    const announced = new Promise<Buffer>((r) => p2p.once('block', r));
    const refreshed = new Promise<[BlockTemplate, number]>((r) => source.once('template', (t) => r([t, Date.now()])));
    const [mined] = await node.mine(1);
    const minedAt = Date.now();
    expect(hashToDisplayHex(await announced)).toBe(mined);
    const [t, at] = await refreshed;
    expect(hashToDisplayHex(t.previousBlockHash)).toBe(mined);
    expect(at - minedAt).toBeLessThan(1_000);
    console.log(`template refreshed ${at - minedAt} ms after bcoin connected its block`);
  });

  it('generatetoaddress over RPC is seen the same way', async () => {
    const announced = new Promise<Buffer>((r) => p2p.once('block', r));
    const [hash] = await node.generateToAddress(1, 'RYUrRj597TWE6wWpdNwrHik6WAfrA9LT5P'); // a bcoin-format regtest P2PKH
    expect(hashToDisplayHex(await announced)).toBe(hash);
  });

  it('a block handed over by P2P (inv, then the block on getdata) is accepted', async () => {
    const t = await bitcoind.getBlockTemplate();
    const { bytes, hash } = buildBlock(t, 3);
    p2p.announceBlock(bytes);
    const deadline = Date.now() + 5_000;
    while (node.tipHash() !== hashToDisplayHex(hash) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(node.tipHash()).toBe(hashToDisplayHex(hash));
    expect(p2p.connected).toBe(true);
  });
});
