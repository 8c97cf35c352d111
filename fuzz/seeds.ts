/**
 * Seed inputs for the fuzz targets, all from the real captures in test/fixtures (their sources
 * are in test/fixtures/SOURCES.md): frames recorded from a reference node, its Stratum and
 * getwork transcripts, shares made by the reference's own code, Bitcoin Core's templates and
 * blocks, Litecoin MWEB blocks, Namecoin AuxPoW headers and address vectors.
 */
import { readFileSync } from 'node:fs';

const fixture = (path: string): string => readFileSync(new URL(`../test/fixtures/${path}`, import.meta.url), 'utf8');
const json = <T>(path: string): T => JSON.parse(fixture(path)) as T;
const hex = (h: string): Buffer => Buffer.from(h, 'hex');

export interface CapturedFrame { direction: string; command: string; payload_hex: string; frame_hex: string; checksum_ok: boolean }

export function p2poolFrames(): CapturedFrame[] {
  return json<{ frames: CapturedFrame[] }>('p2pool-reference-node/p2p-capture.json').frames;
}

/** Share wrappers: from the reference node's traffic and the reference's generated chains. */
export function shareWrappers(): Array<{ raw: Buffer; source: 'capture' | 'v35' | 'v17' }> {
  const out: Array<{ raw: Buffer; source: 'capture' | 'v35' | 'v17' }> = [];
  for (const [file, source] of [['jt_v35_generated.json', 'v35'], ['orig_v17_generated.json', 'v17']] as const) {
    for (const s of json<{ shares: Array<{ wrapped_share_hex: string }> }>(`p2pool-reference/${file}`).shares) out.push({ raw: hex(s.wrapped_share_hex), source });
  }
  // Shares inside captured `shares` messages: a list (CompactSize count, then wrappers).
  for (const f of p2poolFrames()) {
    if (f.command !== 'shares' || f.payload_hex.length < 4) continue;
    const p = hex(f.payload_hex);
    if (p[0] !== 1) continue;
    out.push({ raw: p.subarray(1), source: 'capture' });
    if (out.filter((s) => s.source === 'capture').length >= 6) break;
  }
  return out;
}

interface StratumLine { direction: string; raw: string }

/** Lines miners sent in the captured Stratum sessions. */
export function stratumRequests(): string[] {
  const sessions = json<{ stratum_sessions: Array<{ lines: StratumLine[] }> }>('p2pool-reference-node/worker-capture.json').stratum_sessions;
  return sessions.flatMap((s) => s.lines.filter((l) => l.direction === 'out').map((l) => l.raw));
}

/** Notifies the captured pool sent (for the fields a submit echoes back). */
export function stratumPushes(): string[] {
  const sessions = json<{ stratum_sessions: Array<{ lines: StratumLine[] }> }>('p2pool-reference-node/worker-capture.json').stratum_sessions;
  return sessions.flatMap((s) => s.lines.filter((l) => l.direction === 'in').map((l) => l.raw));
}

/** The captured getwork request: its request line and headers, a blank line, its body. */
export function getworkRequest(): { lines: string[]; body: string; responseBody: string } {
  const g = json<{ getwork: { request: { lines: string[]; body: string }; response_raw: string } }>('p2pool-reference-node/worker-capture.json').getwork;
  return { lines: g.request.lines, body: g.request.body, responseBody: g.response_raw.split('\r\n\r\n')[1] ?? '' };
}

export function coreTemplates(): string[] {
  return ['gbt-height111-24tx.json', 'gbt-height112-chained.json'].map((f) => fixture(`bitcoin-core-regtest/${f}`));
}

export function coreBlock(): Buffer {
  return hex(fixture('bitcoin-core-regtest/block-height111.hex').trim());
}

interface LitecoinBlock { name: string; block_hex: string; coinbase_tx_hex: string; hogex?: { tx_hex?: string } }
/** Litecoin's HogEx transactions (the MWEB flag 0x08). */
export function hogExTransactions(): Buffer[] {
  return json<{ blocks: LitecoinBlock[] }>('litecoin/litecoin.json').blocks.flatMap((b) => (b.hogex?.tx_hex ? [hex(b.hogex.tx_hex)] : []));
}

export function litecoinBlocks(): Array<{ name: string; raw: Buffer; mweb: boolean }> {
  return json<{ blocks: LitecoinBlock[] }>('litecoin/litecoin.json').blocks.filter((b) => typeof b.block_hex === 'string').map((b) => ({ name: b.name, raw: hex(b.block_hex), mweb: 'mweb' in b }));
}

export function namecoinAuxHeaders(): Buffer[] {
  const v = json<{ vectors: Array<{ full_hex: string }> }>('namecoin-auxpow/namecoin-auxpow.json').vectors;
  return v.map((x) => hex(x.full_hex));
}

/** Transactions from the generated chains and Core's template (segwit and legacy). */
export function transactions(): Buffer[] {
  const out: Buffer[] = [];
  for (const t of JSON.parse(coreTemplates()[0]!).transactions as Array<{ data: string }>) out.push(hex(t.data));
  for (const t of json<{ tx_vectors: Array<{ raw: string }> }>('p2pool-reference/orig_v17_generated.json').tx_vectors) out.push(hex(t.raw));
  for (const s of json<{ shares: Array<{ gentx_full_hex: string }> }>('p2pool-reference/jt_v35_generated.json').shares) out.push(hex(s.gentx_full_hex));
  return out;
}

/** Valid and invalid address strings from Bitcoin Core's key_io vectors. */
export function addressStrings(): string[] {
  const valid = json<Array<[string, string, { isPrivkey?: boolean }]>>('bitcoin-core/key_io_valid.json').filter((v) => !v[2].isPrivkey).map((v) => v[0]);
  const invalid = json<Array<[string]>>('bitcoin-core/key_io_invalid.json').map((v) => v[0]);
  return [...valid.slice(0, 60), ...invalid.slice(0, 30)];
}
