import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteReader } from '../../src/bitcoin/bytes.js';
import {
  bip34HeightPush,
  classifyScript,
  nullDataScript,
  p2pkhScript,
  p2shScript,
  pushData,
  readBip34Height,
  witnessScript,
} from '../../src/bitcoin/script.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
const json = <T>(path: string): T => JSON.parse(fixture(path).toString('utf8')) as T;
const hex = (h: string | undefined): Buffer => {
  if (h === undefined) throw new Error('fixture value missing');
  return Buffer.from(h, 'hex');
};

const reference = json<{ script_parse: { script_hex: string } }>('p2pool-reference/repo_test_vectors.json');
const origV17 = json<{ DONATION_SCRIPT_hex: string }>('p2pool-reference/orig_v17_generated.json');
const jtV35 = json<{
  address_scripts: Record<string, string>;
  shares: { payout_outputs: { script: string }[]; gentx_stripped_hex: string }[];
}>('p2pool-reference/jt_v35_generated.json');
const litecoin = json<{ blocks: { network: string; height: number; coinbase_script_sig_hex: string }[] }>(
  'litecoin/litecoin.json',
);

/**
 * The coinbase scriptSig and first output script of a serialized block: header (80), tx count,
 * then the coinbase (version, optional segwit marker, one input, outputs).
 */
function coinbaseOf(block: Buffer): { scriptSig: Buffer; firstOutput: Buffer; outputs: Buffer[] } {
  const r = new ByteReader(block, 80);
  r.readCompactSize();
  r.readU32LE();
  let inputs = r.readCompactSize();
  if (inputs === 0) {
    r.readU8(); // segwit flag
    inputs = r.readCompactSize();
  }
  expect(inputs).toBe(1);
  r.readBytes(36);
  const scriptSig = r.readVarBytes();
  r.readU32LE();
  const outputs: Buffer[] = [];
  const n = r.readCompactSize();
  for (let i = 0; i < n; i++) {
    r.readU64LE();
    outputs.push(r.readVarBytes());
  }
  return { scriptSig, firstOutput: outputs[0]!, outputs };
}

const block413567 = coinbaseOf(fixture('bitcoin-core/block413567.raw'));
const regtest111 = coinbaseOf(hex(fixture('bitcoin-core-regtest/block-height111.hex').toString('utf8').trim()));

describe('classifyScript on real scripts', () => {
  it('P2PKH (reference test_script.py and the v35 vectors)', () => {
    const c = classifyScript(hex(reference.script_parse.script_hex));
    expect(c.type).toBe('p2pkh');
    expect(c.data!.toString('hex')).toBe('89abcdefabbaabbaabbaabbaabbaabbaabbaabba');
    expect(classifyScript(hex(jtV35.address_scripts['1LR4dmTSS2BV7yrMKKv2SwYBGWhtEGCU29'])).data!.toString('hex')).toBe(
      'd4f7680a3446611d4d141aac4e0f357f4083d01b',
    );
  });

  it('P2SH and P2WPKH (v35 vectors)', () => {
    const p2sh = classifyScript(hex(jtV35.address_scripts['3P14159f73E4gFr7JterCCQh9QjiTjiZrG']));
    expect(p2sh).toEqual({ type: 'p2sh', data: hex('e9c3dd0c07aac76179ebc76a6c78d4d67c6c160a') });
    const p2wpkh = classifyScript(hex(jtV35.address_scripts['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4']));
    expect(p2wpkh).toEqual({ type: 'p2wpkh', data: hex('751e76e8199196d454941c45d1b3a323f1433bd6'), witnessVersion: 0 });
  });

  it("P2PK: the reference's DONATION_SCRIPT (uncompressed key)", () => {
    const c = classifyScript(hex(origV17.DONATION_SCRIPT_hex));
    expect(c.type).toBe('p2pk');
    expect(c.data!.length).toBe(65);
    expect(c.data!.toString('hex').startsWith('04ffd03de44a6e11')).toBe(true);
  });

  it('nulldata: the witness commitment and the P2Pool ref-hash output of real gentxs', () => {
    const [commitment, , , refOutput] = jtV35.shares[0]!.payout_outputs;
    const c = classifyScript(hex(commitment!.script));
    expect(c.type).toBe('nulldata');
    expect(c.data!.toString('hex')).toBe(commitment!.script.slice(4));
    expect(c.data!.subarray(0, 4).toString('hex')).toBe('aa21a9ed');
    const r = classifyScript(hex(refOutput!.script));
    expect(r.type).toBe('nulldata');
    expect(r.data!.length).toBe(40);
    // Core's own regtest coinbase: P2WPKH payout then the witness commitment.
    expect(classifyScript(regtest111.outputs[0]!).type).toBe('p2wpkh');
    expect(classifyScript(regtest111.outputs[1]!).data!.subarray(0, 4).toString('hex')).toBe('aa21a9ed');
  });

  it('segwit v0 P2WSH, v1 P2TR and future versions (Core key_io_valid scripts)', () => {
    expect(classifyScript(hex('002027304b37f70e94bc8a0fbf500e0c957a80ebda87280ef58214d92f119811acdc')).type).toBe('p2wsh');
    expect(classifyScript(hex('51203c671ef1e3913f94980a9e146ba895908550ef4234abb7503d436521aba54c75'))).toEqual({
      type: 'p2tr',
      data: hex('3c671ef1e3913f94980a9e146ba895908550ef4234abb7503d436521aba54c75'),
      witnessVersion: 1,
    });
    expect(classifyScript(hex('520250ed'))).toEqual({ type: 'witness_unknown', data: hex('50ed'), witnessVersion: 2 });
    const v16 = classifyScript(hex('6028368279cbe6f5cbbc2ba8154883a9a29e5517d1f3c03cac4f39ce3225060b3efb799cd9c412746ae2'));
    expect(v16.type).toBe('witness_unknown');
    expect(v16.witnessVersion).toBe(16);
    expect(v16.data!.length).toBe(40);
  });

  it('the fixtures hold only standard types in their key_io rows', () => {
    const rows = json<[string, string, { isPrivkey: boolean }][]>('bitcoin-core/key_io_valid.json');
    for (const [, script, meta] of rows) {
      if (meta.isPrivkey) continue;
      expect(classifyScript(hex(script)).type).not.toBe('nonstandard');
    }
  });

  it('non-standard scripts', () => {
    expect(classifyScript(Buffer.alloc(0)).type).toBe('nonstandard');
    // v0 programs must be 20 or 32 bytes (Core: unspendable otherwise).
    expect(classifyScript(Buffer.concat([hex('0010'), Buffer.alloc(16, 1)])).type).toBe('nonstandard');
    // The default signet challenge: a 1-of-2 bare multisig.
    expect(
      classifyScript(
        hex(
          '512103ad5e0edad18cb1f0fc0d28a3d4f1f3e445640337489abb10404f2d1e086be430210359ef5021964fe22d6f8e05b2463c9540ce96883fe3b278760f048f5189f2e6c452ae',
        ),
      ).type,
    ).toBe('nonstandard');
    // OP_RETURN with a push running past the end, or a non-push opcode after it.
    expect(classifyScript(hex('6a05abcd')).type).toBe('nonstandard');
    expect(classifyScript(hex('6a01ab76')).type).toBe('nonstandard');
    // P2PK needs a pubkey-shaped key; 33 bytes starting 0x05 is not one.
    expect(classifyScript(Buffer.concat([hex('2105'), Buffer.alloc(32, 1), hex('ac')])).type).toBe('nonstandard');
    // A P2PKH lookalike with the wrong final opcode.
    expect(classifyScript(hex('76a91489abcdefabbaabbaabbaabbaabbaabbaabbaabba88ab')).type).toBe('nonstandard');
  });

  it('nulldata with zero or several pushes carries no single data field', () => {
    expect(classifyScript(hex('6a'))).toEqual({ type: 'nulldata' });
    expect(classifyScript(hex('6a5152'))).toEqual({ type: 'nulldata' });
    expect(classifyScript(hex('6a01aa01bb'))).toEqual({ type: 'nulldata' });
    expect(classifyScript(hex('6a4c03aabbcc'))).toEqual({ type: 'nulldata', data: hex('aabbcc') });
  });
});

describe('script builders', () => {
  it('rebuild the real scripts', () => {
    expect(p2pkhScript(hex('d4f7680a3446611d4d141aac4e0f357f4083d01b')).toString('hex')).toBe(
      jtV35.address_scripts['1LR4dmTSS2BV7yrMKKv2SwYBGWhtEGCU29'],
    );
    expect(p2shScript(hex('e9c3dd0c07aac76179ebc76a6c78d4d67c6c160a')).toString('hex')).toBe(
      jtV35.address_scripts['3P14159f73E4gFr7JterCCQh9QjiTjiZrG'],
    );
    expect(witnessScript(0, hex('751e76e8199196d454941c45d1b3a323f1433bd6')).toString('hex')).toBe(
      jtV35.address_scripts['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'],
    );
    expect(witnessScript(1, hex('3c671ef1e3913f94980a9e146ba895908550ef4234abb7503d436521aba54c75')).toString('hex')).toBe(
      '51203c671ef1e3913f94980a9e146ba895908550ef4234abb7503d436521aba54c75',
    );
    expect(witnessScript(2, hex('50ed')).toString('hex')).toBe('520250ed');
    // Core's regtest witness commitment output, rebuilt from its payload.
    const commitment = regtest111.outputs[1]!;
    expect(nullDataScript(commitment.subarray(2))).toEqual(commitment);
  });

  it("witnessScript can reproduce the reference's truncated 31-byte P2WSH program (docs/sharechain.md#payout-addresses)", () => {
    const script = witnessScript(0, Buffer.alloc(31, 0xc4));
    expect(script.subarray(0, 2).toString('hex')).toBe('001f');
  });

  it('reject malformed inputs', () => {
    expect(() => p2pkhScript(Buffer.alloc(19))).toThrow(RangeError);
    expect(() => p2shScript(Buffer.alloc(21))).toThrow(RangeError);
    expect(() => witnessScript(17, Buffer.alloc(20))).toThrow(RangeError);
    expect(() => witnessScript(-1, Buffer.alloc(20))).toThrow(RangeError);
    expect(() => witnessScript(1, Buffer.alloc(1))).toThrow(RangeError);
    expect(() => witnessScript(1, Buffer.alloc(41))).toThrow(RangeError);
  });

  it('pushData uses the smallest push opcode for each size (Core CScript << vector)', () => {
    const prefix = (n: number): string => pushData(Buffer.alloc(n, 0xab)).subarray(0, Math.min(5, n + 1)).toString('hex');
    expect(pushData(Buffer.alloc(0)).toString('hex')).toBe('00');
    expect(pushData(hex('01')).toString('hex')).toBe('0101'); // a data push, not OP_1
    expect(prefix(75)).toBe('4babababab');
    expect(prefix(76)).toBe('4c4cababab');
    expect(prefix(255)).toBe('4cffababab');
    expect(prefix(256)).toBe('4d0001abab');
    expect(prefix(65535)).toBe('4dffffabab');
    expect(prefix(65536)).toBe('4e00000100');
    expect(pushData(Buffer.alloc(300)).length).toBe(303);
  });
});

describe('BIP34 height push', () => {
  it('matches the heights in real coinbases', () => {
    // Bitcoin mainnet 413567, Core regtest 111, the reference vectors' 205000 (0x0320c8).
    expect(bip34HeightPush(413567).toString('hex')).toBe('037f4f06');
    expect(block413567.scriptSig.subarray(0, 4)).toEqual(bip34HeightPush(413567));
    expect(readBip34Height(block413567.scriptSig)).toBe(413567);
    expect(regtest111.scriptSig.toString('hex')).toBe('016f00');
    expect(readBip34Height(regtest111.scriptSig)).toBe(111);
    expect(bip34HeightPush(111)).toEqual(regtest111.scriptSig.subarray(0, 2));
    const gentx = hex(jtV35.shares[0]!.gentx_stripped_hex);
    const scriptSig = gentx.subarray(42, 42 + gentx[41]!);
    expect(readBip34Height(scriptSig)).toBe(205000);
  });

  it('reads the height of every BIP34-era Litecoin block in the fixtures', () => {
    let checked = 0;
    for (const block of litecoin.blocks) {
      const scriptSig = hex(block.coinbase_script_sig_hex);
      // Litecoin mainnet enforces BIP34 from 710000; its testnet4 from block 76.
      if (block.network === 'litecoin mainnet' && block.height < 710000) {
        expect(readBip34Height(scriptSig)).not.toBe(block.height);
        continue;
      }
      expect(readBip34Height(scriptSig)).toBe(block.height);
      expect(scriptSig.subarray(0, 4)).toEqual(bip34HeightPush(block.height));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(9);
  });

  it("small heights use OP_0 / OP_1..OP_16, like Core's CScript() << nHeight", () => {
    expect(bip34HeightPush(0).toString('hex')).toBe('00');
    expect(bip34HeightPush(1).toString('hex')).toBe('51');
    expect(bip34HeightPush(16).toString('hex')).toBe('60');
    expect(bip34HeightPush(17).toString('hex')).toBe('0111');
    expect(bip34HeightPush(127).toString('hex')).toBe('017f');
    expect(bip34HeightPush(128).toString('hex')).toBe('028000'); // sign byte
    expect(bip34HeightPush(255).toString('hex')).toBe('02ff00');
    expect(bip34HeightPush(256).toString('hex')).toBe('020001');
    expect(bip34HeightPush(32767).toString('hex')).toBe('02ff7f');
    expect(bip34HeightPush(32768).toString('hex')).toBe('03008000');
    expect(bip34HeightPush(0x800000).toString('hex')).toBe('0400008000');
    expect(bip34HeightPush(0x7fffffff).toString('hex')).toBe('04ffffff7f');
    expect(bip34HeightPush(0x80000000).toString('hex')).toBe('050000008000');
    expect(() => bip34HeightPush(-1)).toThrow(RangeError);
    expect(() => bip34HeightPush(1.5)).toThrow(RangeError);
  });

  it('round trips every height, with trailing scriptSig data', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), fc.uint8Array({ maxLength: 20 }), (h, tail) => {
        expect(readBip34Height(Buffer.concat([bip34HeightPush(h), tail]))).toBe(h);
      }),
    );
  });

  it('rejects what Core would reject as bad-cb-height', () => {
    expect(readBip34Height(Buffer.alloc(0))).toBeNull();
    expect(readBip34Height(hex('0101'))).toBeNull(); // 1 must be OP_1
    expect(readBip34Height(hex('020100'))).toBeNull(); // non-minimal
    expect(readBip34Height(hex('0181'))).toBeNull(); // -1
    expect(readBip34Height(hex('4f'))).toBeNull(); // OP_1NEGATE
    expect(readBip34Height(hex('037f4f'))).toBeNull(); // truncated push
    expect(readBip34Height(hex('06010203040506'))).toBeNull(); // over 5 bytes
    expect(readBip34Height(hex('4c01ff'))).toBeNull(); // PUSHDATA1 is not minimal
    expect(readBip34Height(hex('6a'))).toBeNull();
  });
});
