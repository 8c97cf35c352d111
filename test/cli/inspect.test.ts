/**
 * `p2pool inspect` on real data: Bitcoin Core's mainnet block 413567, the regtest block and
 * templates captured from Bitcoin Core 29.99, and Core's key_io address vectors
 * (test/fixtures/SOURCES.md). Expected values come from the fixtures themselves (Core's own
 * txid/hash/weight fields, the header bytes, the documented block hashes), never from the
 * code under test. The last block runs the real CLI as a child process.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bech32 } from '@scure/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getChainParams, type ChainName } from '../../src/bitcoin/chain-params.js';
import { AddressError, DecodeError } from '../../src/bitcoin/errors.js';
import { hashToDisplayHex } from '../../src/bitcoin/hex.js';
import {
  bytesFromFileContent,
  bytesFromHexArgument,
  inspectAddress,
  inspectBlock,
  inspectTx,
} from '../../src/cli/inspect.js';

const fixture = (path: string): URL => new URL(`../fixtures/${path}`, import.meta.url);
const BLOCK_413567_PATH = fileURLToPath(fixture('bitcoin-core/block413567.raw'));
const BLOCK_111_PATH = fileURLToPath(fixture('bitcoin-core-regtest/block-height111.hex'));
const block413567 = readFileSync(BLOCK_413567_PATH);
const block111Hex = readFileSync(BLOCK_111_PATH, 'utf8').trim();

interface TemplateTx {
  data: string;
  txid: string;
  hash: string;
  weight: number;
}
interface Template {
  transactions: TemplateTx[];
  coinbasevalue: number;
  default_witness_commitment?: string;
  height: number;
}
const loadJson = <T>(path: string): T => JSON.parse(readFileSync(fixture(path), 'utf8')) as T;
const template111 = loadJson<Template>('bitcoin-core-regtest/gbt-height111-24tx.json');
const template112 = loadJson<Template>('bitcoin-core-regtest/gbt-height112-chained.json');
type KeyIoRow = [string, string, { chain: string; isPrivkey: boolean }];
const keyIoValid = loadJson<KeyIoRow[]>('bitcoin-core/key_io_valid.json').filter((r) => !r[2].isPrivkey);
const keyIoInvalid = loadJson<[string][]>('bitcoin-core/key_io_invalid.json');

interface LtcBlock {
  name: string;
  network: string;
  block_hex: string | null;
  has_hogex: boolean;
  txids: string[];
  wtxids: string[];
  header: { block_hash: string; scrypt_pow_hash: string; merkle_root: string };
  mweb?: { height: number; output_root: string; kernel_root: string; leafset_root: string; kernel_offset: string; stealth_offset: string; output_mmr_size: number; kernel_mmr_size: number; header_raw: string; body_length: number };
}
const ltcBlocks = loadJson<{ blocks: LtcBlock[] }>('litecoin/litecoin.json').blocks.filter((b) => typeof b.block_hex === 'string');
/** The fixture names its network in words ("litecoin mainnet", "litecoin TESTNET4 (not mainnet)"). */
const ltcChain = (b: LtcBlock): ChainName => (b.network === 'litecoin mainnet' ? 'litecoin' : 'litecoin-testnet');
interface AuxVector {
  name: string;
  full_hex: string;
  has_auxpow: boolean;
  aux_block_hash: string;
  aux_header: { chain_id: number };
  auxpow?: { coinbase_txid: string; parent_block_hash: string; chain_merkle_root_display: string };
}
const auxFixture = loadJson<{ vectors: AuxVector[]; failure_cases: { name: string; full_hex: string }[] }>('namecoin-auxpow/namecoin-auxpow.json');
const auxVectors = auxFixture.vectors;
const auxFailures = auxFixture.failure_cases;

/** key_io's chain names -> ours (testnet3 and testnet4 share address versions and `tb`). */
const KEY_IO_CHAIN: Record<string, ChainName> = {
  main: 'bitcoin',
  testnet4: 'testnet4',
  signet: 'signet',
  regtest: 'regtest',
};

/** The script type read off the script bytes by pattern, independently of script.ts. */
function typeOfScriptHex(hex: string): string {
  if (/^76a914[0-9a-f]{40}88ac$/.test(hex)) return 'p2pkh';
  if (/^a914[0-9a-f]{40}87$/.test(hex)) return 'p2sh';
  if (/^0014[0-9a-f]{40}$/.test(hex)) return 'p2wpkh';
  if (/^0020[0-9a-f]{64}$/.test(hex)) return 'p2wsh';
  if (/^5120[0-9a-f]{64}$/.test(hex)) return 'p2tr';
  return 'witness_unknown';
}

/** Input count straight from the serialization: after version (and BIP144 marker+flag). */
function inputCountOf(txHex: string): number {
  const segwit = txHex.slice(8, 12) === '0001';
  const first = parseInt(txHex.slice(segwit ? 12 : 8, segwit ? 14 : 10), 16);
  if (first >= 0xfd) throw new Error('fixture has >= 253 inputs; not expected');
  return first;
}

describe('inspectBlock on mainnet block 413567 (pre-segwit, 1,000+ transactions)', () => {
  const result = inspectBlock(block413567);
  // The tx count follows the 80-byte header as a 3-byte CompactSize (0xfd + u16).
  const txCount = block413567.readUInt16LE(81);

  it('reports the documented hash, the BIP34 height and the header merkle root', () => {
    expect(block413567[80]).toBe(0xfd);
    expect(result.hash).toBe('0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069');
    expect(result.height).toBe(413567);
    expect(result.merkle_root).toBe(hashToDisplayHex(block413567.subarray(36, 68)));
    expect(result.merkle_root_ok).toBe(true);
  });

  it('lists every transaction: no witness anywhere, so wtxid = txid and weight = 4 x size', () => {
    expect(txCount).toBeGreaterThan(1000);
    expect(result.tx_count).toBe(txCount);
    expect(result.txs).toHaveLength(txCount);
    expect(result.witness_commitment_ok).toBeNull();
    expect(result.txs.every((t) => t.wtxid === t.txid && /^[0-9a-f]{64}$/.test(t.txid))).toBe(true);
    expect(new Set(result.txs.map((t) => t.txid)).size).toBe(txCount);
    // Without witness data weight is 4 bytes per byte, so the weights add up to 4 x the
    // block's bytes after the header and the tx-count CompactSize.
    const totalWeight = result.txs.reduce((sum, t) => sum + t.weight, 0);
    expect(totalWeight).toBe(4 * (block413567.length - 80 - 3));
  });
});

describe('inspectBlock on the regtest block at height 111 (segwit, mined by Core from the template)', () => {
  const bytes = bytesFromHexArgument(block111Hex);
  const result = inspectBlock(bytes);

  it('reports the documented hash, height 111, and both commitments as valid', () => {
    expect(result.hash).toBe('1a7e5e0c55742a90ee9c0f514010d245805b12657b022093e7070d18872b1e82');
    expect(result.height).toBe(template111.height);
    expect(result.merkle_root).toBe(hashToDisplayHex(bytes.subarray(36, 68)));
    expect(result.merkle_root_ok).toBe(true);
    expect(result.witness_commitment_ok).toBe(true);
  });

  it("lists Core's coinbase and then the template's transactions with Core's txid, hash and weight", () => {
    expect(result.tx_count).toBe(template111.transactions.length + 1);
    expect(result.txs.slice(1)).toEqual(
      template111.transactions.map((t) => ({ txid: t.txid, wtxid: t.hash, weight: t.weight })),
    );
  });

  it('flags a wrong witness reserved value (txids unchanged, commitment no longer matches)', () => {
    // The coinbase's witness: one item (01) of 32 bytes (20), all zero; flip its last byte.
    const reservedHex = `0120${'00'.repeat(32)}`;
    const at = block111Hex.indexOf(reservedHex);
    expect(at).toBeGreaterThan(0);
    const end = at + reservedHex.length;
    const tampered = inspectBlock(bytesFromHexArgument(`${block111Hex.slice(0, end - 2)}01${block111Hex.slice(end)}`));
    expect(tampered.merkle_root_ok).toBe(true);
    expect(tampered.witness_commitment_ok).toBe(false);
  });

  it('flags a header merkle root that does not match the transactions', () => {
    const tampered = Buffer.from(bytes);
    tampered[36] = tampered[36]! ^ 0x01;
    const r = inspectBlock(tampered);
    expect(r.merkle_root_ok).toBe(false);
    expect(r.hash).not.toBe(result.hash);
  });

  it('rejects a truncated block with the typed DecodeError', () => {
    expect(() => inspectBlock(bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
  });
});

describe('inspectTx on transactions from Bitcoin Core regtest templates', () => {
  const regtest = getChainParams('regtest');

  it("matches Core's txid, hash and weight for every segwit template transaction", () => {
    for (const t of template111.transactions) {
      const r = inspectTx(bytesFromHexArgument(t.data), regtest);
      expect(r).toMatchObject({ txid: t.txid, wtxid: t.hash, weight: t.weight });
      expect(r.vsize).toBe(Math.ceil(t.weight / 4));
      expect(r.size).toBe(t.data.length / 2);
      expect(r.inputs).toBe(inputCountOf(t.data));
      expect(r.outputs.length).toBeGreaterThan(0);
      for (const out of r.outputs) {
        expect(t.data).toContain(out.script);
        expect(Number.isInteger(out.value)).toBe(true);
      }
    }
  });

  it('gives legacy transactions wtxid = txid and weight = 4 x size', () => {
    const legacy = template112.transactions.filter((t) => t.txid === t.hash);
    expect(legacy.length).toBeGreaterThan(0);
    for (const t of legacy) {
      const r = inspectTx(bytesFromHexArgument(t.data), regtest);
      expect(r).toMatchObject({ txid: t.txid, wtxid: t.txid, weight: t.weight, size: t.data.length / 2 });
      expect(r.weight).toBe(4 * r.size);
    }
  });

  it("decodes Core's coinbase of block 111: its value, its bech32 payout and the witness commitment", () => {
    // The coinbase sits between the header + tx count (81 bytes) and the first template tx.
    const coinbaseHex = block111Hex.slice(162, block111Hex.indexOf(template111.transactions[0]!.data));
    const r = inspectTx(bytesFromHexArgument(coinbaseHex), regtest);
    expect(r.inputs).toBe(1);
    expect(r.outputs).toHaveLength(2);
    const [payout, commitment] = r.outputs;
    expect(payout!.value).toBe(template111.coinbasevalue);
    expect(payout!.script).toMatch(/^0014[0-9a-f]{40}$/);
    const program = Buffer.from(payout!.script.slice(4), 'hex');
    expect(payout!.address).toBe(bech32.encode('bcrt', [0, ...bech32.toWords(program)]));
    expect(commitment).toEqual({ value: 0, script: template111.default_witness_commitment, address: null });
    expect(r.txid).toBe(inspectBlock(bytesFromHexArgument(block111Hex)).txs[0]!.txid);
  });

  it('renders output addresses for the network given with --net', () => {
    // The same P2WPKH output is a `bc1` address on mainnet: addresses follow --net.
    const coinbaseHex = block111Hex.slice(162, block111Hex.indexOf(template111.transactions[0]!.data));
    const r = inspectTx(bytesFromHexArgument(coinbaseHex), getChainParams('bitcoin'));
    expect(r.outputs[0]!.address).toMatch(/^bc1q/);
  });
});

describe("inspectAddress on Bitcoin Core's key_io vectors", () => {
  it('returns the scriptPubKey and its type for every valid non-private-key row', () => {
    expect(keyIoValid.length).toBeGreaterThan(50);
    for (const [address, scriptHex, meta] of keyIoValid) {
      const chain = getChainParams(KEY_IO_CHAIN[meta.chain]!);
      expect(inspectAddress(address, chain)).toEqual({ script: scriptHex, type: typeOfScriptHex(scriptHex) });
    }
  });

  it("rejects an address of another network with AddressError", () => {
    const main = keyIoValid.filter((r) => r[2].chain === 'main');
    for (const [address] of main) {
      expect(() => inspectAddress(address, getChainParams('testnet4'))).toThrow(AddressError);
    }
  });

  it('rejects every key_io_invalid string with AddressError', () => {
    for (const [address] of keyIoInvalid) {
      for (const net of ['bitcoin', 'testnet4', 'regtest'] as const) {
        expect(() => inspectAddress(address, getChainParams(net))).toThrow(AddressError);
      }
    }
  });
});

describe('inspect on damaged input', () => {
  const block = bytesFromHexArgument(block111Hex);
  const tx = bytesFromHexArgument(template111.transactions[0]!.data);
  const regtest = getChainParams('regtest');
  /** Either a result or the typed DecodeError: never a TypeError/RangeError from inside. */
  const onlyDecodeErrors = (fn: () => unknown): boolean => {
    try {
      fn();
      return true;
    } catch (err) {
      return err instanceof DecodeError;
    }
  };

  it('truncations and byte mutations of a real block and tx yield a result or a DecodeError', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (cut, at, value) => {
        const truncatedBlock = block.subarray(0, cut % block.length);
        const mutatedBlock = Buffer.from(block);
        mutatedBlock[at % block.length] = value;
        const truncatedTx = tx.subarray(0, cut % tx.length);
        const mutatedTx = Buffer.from(tx);
        mutatedTx[at % tx.length] = value;
        return (
          onlyDecodeErrors(() => inspectBlock(truncatedBlock)) &&
          onlyDecodeErrors(() => inspectBlock(mutatedBlock)) &&
          onlyDecodeErrors(() => inspectTx(truncatedTx, regtest)) &&
          onlyDecodeErrors(() => inspectTx(mutatedTx, regtest))
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('input detection for @FILE', () => {
  it('takes a raw block as bytes and a hex file (with trailing newline) as hex', () => {
    expect(bytesFromFileContent(block413567).equals(block413567)).toBe(true);
    const fromHexFile = bytesFromFileContent(readFileSync(BLOCK_111_PATH));
    expect(fromHexFile.toString('hex')).toBe(block111Hex.toLowerCase());
  });

  it('rejects malformed or empty hex with DecodeError', () => {
    expect(() => bytesFromHexArgument('abc')).toThrow(DecodeError);
    expect(() => bytesFromHexArgument('zz')).toThrow(DecodeError);
    expect(() => bytesFromHexArgument('  ')).toThrow(DecodeError);
  });
});

describe('inspectBlock on Litecoin blocks (fixture litecoin/litecoin.json)', () => {
  it('the fixture has MWEB blocks from both Litecoin networks', () => {
    expect(ltcBlocks.filter((b) => b.has_hogex).map(ltcChain)).toEqual(expect.arrayContaining(['litecoin', 'litecoin-testnet']));
  });

  for (const b of ltcBlocks) {
    it(`${b.name}: scrypt pow_hash, every txid and wtxid, merkle root and witness commitment${b.has_hogex ? ', MWEB block' : ''}`, () => {
      const r = inspectBlock(bytesFromHexArgument(b.block_hex!), getChainParams(ltcChain(b)));
      expect(r.hash).toBe(b.header.block_hash);
      expect(r.pow_hash).toBe(b.header.scrypt_pow_hash);
      expect(r.merkle_root).toBe(b.header.merkle_root);
      expect(r.merkle_root_ok).toBe(true);
      expect(r.txs.map((t) => t.txid)).toEqual(b.txids);
      expect(r.txs.map((t) => t.wtxid)).toEqual(b.wtxids);
      // Real, accepted blocks: segwit-era ones commit to their wtxids (the HogEx's wtxid is its txid).
      expect(r.witness_commitment_ok).toBe(b.wtxids.some((w, i) => w !== b.txids[i]) ? true : null);
      if (!b.has_hogex) {
        expect(r.mweb).toBeNull();
        return;
      }
      const m = b.mweb!;
      expect(r.mweb).toEqual({
        height: m.height,
        output_root: m.output_root,
        kernel_root: m.kernel_root,
        leafset_root: m.leafset_root,
        kernel_offset: m.kernel_offset,
        stealth_offset: m.stealth_offset,
        output_mmr_size: m.output_mmr_size,
        kernel_mmr_size: m.kernel_mmr_size,
        header_size: m.header_raw.length / 2,
        body_size: m.body_length,
      });
    });
  }

  it('inspect tx on a HogEx: txid over the legacy form, wtxid = txid, weight without MWEB bytes', () => {
    const b = loadJson<{ blocks: { has_hogex: boolean; hogex?: { tx_hex: string; txid: string } }[] }>('litecoin/litecoin.json').blocks.find((x) => x.has_hogex)!;
    const hex = b.hogex!.tx_hex;
    const r = inspectTx(bytesFromHexArgument(hex), getChainParams('litecoin-testnet'));
    expect(r.txid).toBe(b.hogex!.txid);
    expect(r.wtxid).toBe(b.hogex!.txid);
    expect(r.size).toBe(hex.length / 2);
    // Marker, flag 0x08 and the empty MWEB byte are not weighed (Litecoin Core SERIALIZE_NO_MWEB).
    expect(r.weight).toBe(4 * (hex.length / 2 - 3));
    expect(() => inspectTx(bytesFromHexArgument(hex), getChainParams('bitcoin'))).toThrow(/MWEB bit/);
  });

  it('Bitcoin blocks: pow_hash is the sha256d block hash and there is no MWEB block', () => {
    const r = inspectBlock(block413567);
    expect(r.pow_hash).toBe(r.hash);
    expect(r.mweb).toBeNull();
  });

  it('an MWEB block read as Bitcoin fails on the MWEB flag', () => {
    const b = ltcBlocks.find((x) => x.has_hogex)!;
    expect(() => inspectBlock(bytesFromHexArgument(b.block_hex!))).toThrow(/MWEB bit \(0x08\)/);
  });
});

// Each child process starts node and tsx (~1-2 s; much more on a loaded machine).
describe('the p2pool CLI (child process)', { timeout: 180_000 }, () => {
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const run = (...args: string[]) => {
    const p = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: p.status, stdout: p.stdout, stderr: p.stderr };
  };
  const expectOneLineError = (r: ReturnType<typeof run>, pattern: RegExp) => {
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
    expect(r.stderr).toMatch(pattern);
  };

  it('inspect block @FILE (raw) prints one JSON object', () => {
    const r = run('inspect', 'block', `@${BLOCK_413567_PATH}`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { hash: string; height: number; tx_count: number; merkle_root_ok: boolean };
    expect(out.hash).toBe('0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069');
    expect(out.height).toBe(413567);
    expect(out.merkle_root_ok).toBe(true);
    expect(out.tx_count).toBe(block413567.readUInt16LE(81));
  });

  it('inspect block @FILE (hex) --net regtest', () => {
    const r = run('inspect', 'block', `@${BLOCK_111_PATH}`, '--net', 'regtest');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      hash: '1a7e5e0c55742a90ee9c0f514010d245805b12657b022093e7070d18872b1e82',
      height: 111,
      witness_commitment_ok: true,
      tx_count: 25,
    });
  });

  it('inspect tx HEX --net regtest', () => {
    const t = template111.transactions[0]!;
    const r = run('inspect', 'tx', t.data, '--net', 'regtest');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ txid: t.txid, wtxid: t.hash, weight: t.weight });
  });

  it('inspect address prints {script, type}; --net bitcoin --testnet is the testnet', () => {
    const [mainAddr, mainScript] = keyIoValid.find((row) => row[2].chain === 'main')!;
    const ok = run('inspect', 'address', mainAddr, '--net', 'bitcoin');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ script: mainScript, type: typeOfScriptHex(mainScript) });

    const [testAddr, testScript] = keyIoValid.find((row) => row[2].chain === 'testnet4')!;
    const seedForm = run('inspect', 'address', testAddr, '--net', 'bitcoin', '--testnet');
    expect(seedForm.code).toBe(0);
    expect(JSON.parse(seedForm.stdout)).toMatchObject({ script: testScript });
  });

  it('an address of another network or an invalid one exits 1 with one line on stderr', () => {
    const [mainAddr] = keyIoValid.find((row) => row[2].chain === 'main')!;
    expectOneLineError(run('inspect', 'address', mainAddr, '--net', 'testnet'), /./);
    expectOneLineError(run('inspect', 'address', 'x', '--net', 'bitcoin'), /./);
  });

  it('inspect block HEX --net litecoin --testnet: scrypt pow_hash and the MWEB block', () => {
    const b = ltcBlocks.find((x) => x.has_hogex && ltcChain(x) === 'litecoin-testnet')!;
    const r = run('inspect', 'block', b.block_hex!, '--net', 'litecoin', '--testnet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { hash: string; pow_hash: string; mweb: { height: number }; txs: { txid: string }[] };
    expect(out.hash).toBe(b.header.block_hash);
    expect(out.pow_hash).toBe(b.header.scrypt_pow_hash);
    expect(out.mweb.height).toBe(b.mweb!.height);
    expect(out.txs.map((t) => t.txid)).toEqual(b.txids);
    expectOneLineError(run('inspect', 'block', b.block_hex!), /invalid block: .*MWEB/);
  });

  it('inspect auxpow HEX: a real Namecoin AuxPoW header (block 37174)', () => {
    const v = auxVectors.find((x) => x.name === 'namecoin_header_37174')!;
    const r = run('inspect', 'auxpow', v.full_hex);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      valid: true,
      parent_hash: v.auxpow!.parent_block_hash,
      chain_id: v.aux_header.chain_id,
      aux_hash: v.aux_block_hash,
      coinbase_txid: v.auxpow!.coinbase_txid,
      aux_root: v.auxpow!.chain_merkle_root_display,
    });
    // A tampered variant (one junk byte appended) is reported, not an error: valid false and why.
    const junk = auxFailures.find((x) => x.name === 'reject_trailing_junk_37174')!;
    const bad = run('inspect', 'auxpow', junk.full_hex, '--net', 'bitcoin');
    expect(bad.code).toBe(0);
    const out = JSON.parse(bad.stdout) as { valid: boolean; reason?: string };
    expect(out.valid).toBe(false);
    expect(out.reason).toMatch(/./);
  });

  it('bad hex and a missing file exit 1 with one line on stderr', () => {
    expectOneLineError(run('inspect', 'block', 'zz'), /hex/);
    expectOneLineError(run('inspect', 'tx', '@/nonexistent/p2pool-test.raw'), /cannot read .*ENOENT/);
  });
});
