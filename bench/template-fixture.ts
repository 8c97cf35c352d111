/**
 * The benches' block template and payout addresses, in a module of their own so that the memory
 * bench's child (bench/memory.ts, the node's first job timed from its process's start) loads only
 * what it needs beside the node's own modules.
 *
 * The template is built from Bitcoin Core's regtest capture
 * (test/fixtures/bitcoin-core-regtest/gbt-height111-24tx.json): its segwit transactions repeated
 * with distinct prevouts, txid and hash recomputed, as the JSON-RPC result a getblocktemplate call
 * returns. Making that answer is the full node's work; the node's is to parse it
 * (parseBlockTemplate), which is all `parseGbt` does.
 */
import { readFileSync } from 'node:fs';
import { scriptToAddress } from '../src/bitcoin/address.js';
import { hash160 } from '../src/bitcoin/hash.js';
import { hashToDisplayHex } from '../src/bitcoin/hex.js';
import { p2pkhScript, p2shScript, witnessScript } from '../src/bitcoin/script.js';
import { decodeTransaction, encodeTransaction, txid, wtxid } from '../src/bitcoin/transaction.js';
import { parseBlockTemplate, type BlockTemplate } from '../src/chain/block-template.js';
import type { P2PoolNetwork } from '../src/sharechain/networks.js';
import { repoPath } from './repo-path.js';

const GBT_FIXTURE = 'test/fixtures/bitcoin-core-regtest/gbt-height111-24tx.json';
/** Difficulty 1: the PPLNS window is bounded by REAL_CHAIN_LENGTH, not by SPREAD blocks. */
const BENCH_BITS = '1d00ffff';

/** Regtest payout addresses of the three kinds a v35 share can pay (P2WPKH, P2SH, P2PKH). */
export function payoutAddress(net: P2PoolNetwork, i: number): string {
  const h = hash160(Buffer.from(`bench miner ${i}`));
  const script = i % 3 === 0 ? witnessScript(0, h) : i % 3 === 1 ? p2shScript(h) : p2pkhScript(h);
  return scriptToAddress(script, net.parent)!;
}

/**
 * The text of a getblocktemplate result with `count` transactions: Core's captured segwit ones,
 * each copy with its first input's prevout txid changed so that every txid and wtxid is distinct
 * (the signatures no longer verify; nothing here validates scripts). txid and hash are recomputed.
 */
export function buildGbt(count: number): string {
  const gbt = JSON.parse(readFileSync(repoPath(GBT_FIXTURE), 'utf8')) as Record<string, unknown> & { transactions: Record<string, unknown>[] };
  // Only the segwit ones (txid != wtxid); Core's capture also holds a few legacy transactions.
  const base = gbt.transactions.filter((t) => t.txid !== t.hash);
  const txs: Record<string, unknown>[] = [];
  let fees = 0;
  for (let i = 0; i < count; i++) {
    const src = base[i % base.length]!;
    const tx = decodeTransaction(Buffer.from(src.data as string, 'hex'));
    const prevout = Buffer.from(tx.inputs[0]!.prevout.hash);
    prevout.writeUInt32LE(i, 0);
    tx.inputs[0]!.prevout = { hash: prevout, index: tx.inputs[0]!.prevout.index };
    fees += src.fee as number;
    txs.push({ ...src, data: encodeTransaction(tx).toString('hex'), txid: hashToDisplayHex(txid(tx)), hash: hashToDisplayHex(wtxid(tx)), depends: [] });
  }
  const subsidy = (gbt.coinbasevalue as number) - gbt.transactions.reduce((s, t) => s + (t.fee as number), 0);
  return JSON.stringify({ ...gbt, transactions: txs, coinbasevalue: subsidy + fees, bits: BENCH_BITS });
}

/** The node's side of a getblocktemplate answer: the JSON parsed, then the template checked and parsed. */
export function parseGbt(text: string): BlockTemplate {
  const template = parseBlockTemplate(JSON.parse(text) as Record<string, unknown>);
  if (!template.transactions.every((t) => !t.txid.equals(t.wtxid))) throw new Error('bench template: expected segwit transactions only');
  return template;
}

/** buildGbt's answer, parsed. */
export function buildTemplate(count: number): BlockTemplate {
  return parseGbt(buildGbt(count));
}
