/**
 * Output scripts and the BIP34 coinbase height push.
 *
 * Classification follows Bitcoin Core's `Solver` (script/solver.cpp) for the templates a pool
 * pays to or sees in a coinbase: P2PKH, P2SH, witness programs (BIP141: a version opcode and
 * one 2..40-byte push, 4..42 bytes in all), P2PK and OP_RETURN data carriers. Anything else is
 * 'nonstandard' (bare multisig included: a pool never pays to it).
 */

export type ScriptType =
  | 'p2pkh'
  | 'p2sh'
  | 'p2wpkh'
  | 'p2wsh'
  | 'p2tr'
  | 'witness_unknown'
  | 'p2pk'
  | 'nulldata'
  | 'nonstandard';

export interface ClassifiedScript {
  type: ScriptType;
  /** hash160 / witness program / pubkey / pushed data, when the type has one. */
  data?: Buffer;
  /** Witness version for segwit types. */
  witnessVersion?: number;
}

// Opcodes (Core script/script.h).
export const OP_0 = 0x00;
export const OP_PUSHDATA1 = 0x4c;
export const OP_PUSHDATA2 = 0x4d;
export const OP_PUSHDATA4 = 0x4e;
export const OP_1NEGATE = 0x4f;
export const OP_1 = 0x51;
export const OP_16 = 0x60;
export const OP_RETURN = 0x6a;
export const OP_DUP = 0x76;
export const OP_EQUAL = 0x87;
export const OP_EQUALVERIFY = 0x88;
export const OP_HASH160 = 0xa9;
export const OP_CHECKSIG = 0xac;

/** BIP141: witness programs are 2..40 bytes. */
const MIN_WITNESS_PROGRAM = 2;
const MAX_WITNESS_PROGRAM = 40;

function buf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function requireLength(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
}

/** One parsed script element: an opcode, and the pushed bytes for push opcodes. */
interface ScriptOp {
  opcode: number;
  data?: Buffer;
}

/**
 * Read the element at `offset`, or null when a push runs past the end (Core's GetOp fails).
 * Returns the element and the offset after it.
 */
function readOp(script: Buffer, offset: number): { op: ScriptOp; next: number } | null {
  const opcode = script[offset]!;
  let pos = offset + 1;
  let length: number;
  if (opcode < OP_PUSHDATA1) {
    length = opcode;
  } else if (opcode === OP_PUSHDATA1) {
    if (pos + 1 > script.length) return null;
    length = script[pos]!;
    pos += 1;
  } else if (opcode === OP_PUSHDATA2) {
    if (pos + 2 > script.length) return null;
    length = script.readUInt16LE(pos);
    pos += 2;
  } else if (opcode === OP_PUSHDATA4) {
    if (pos + 4 > script.length) return null;
    length = script.readUInt32LE(pos);
    pos += 4;
  } else {
    return { op: { opcode }, next: pos };
  }
  if (pos + length > script.length) return null;
  return { op: { opcode, data: script.subarray(pos, pos + length) }, next: pos + length };
}

/** A witness program per BIP141 (Core CScript::IsWitnessProgram), or null. */
function witnessProgram(script: Buffer): { version: number; program: Buffer } | null {
  if (script.length < 4 || script.length > 42) return null;
  const v = script[0]!;
  if (v !== OP_0 && (v < OP_1 || v > OP_16)) return null;
  if (script[1]! + 2 !== script.length) return null;
  return { version: v === OP_0 ? 0 : v - OP_1 + 1, program: script.subarray(2) };
}

/** Core's CPubKey::ValidSize: the header byte fixes the length (33 compressed, 65 otherwise). */
function isPubkeyShaped(key: Buffer): boolean {
  if (key.length === 33) return key[0] === 0x02 || key[0] === 0x03;
  if (key.length === 65) return key[0] === 0x04 || key[0] === 0x06 || key[0] === 0x07;
  return false;
}

/**
 * Classify an output script. For 'nulldata' (OP_RETURN followed only by pushes, Core's rule)
 * `data` is the pushed bytes when there is exactly one push, and absent otherwise.
 * A v0 witness program that is neither 20 nor 32 bytes is 'nonstandard' (Core: unspendable);
 * v1 with 32 bytes is 'p2tr'; any other v1..v16 program is 'witness_unknown'.
 */
export function classifyScript(script: Uint8Array): ClassifiedScript {
  const s = buf(script);
  if (
    s.length === 25 && s[0] === OP_DUP && s[1] === OP_HASH160 && s[2] === 20 &&
    s[23] === OP_EQUALVERIFY && s[24] === OP_CHECKSIG
  ) {
    return { type: 'p2pkh', data: s.subarray(3, 23) };
  }
  if (s.length === 23 && s[0] === OP_HASH160 && s[1] === 20 && s[22] === OP_EQUAL) {
    return { type: 'p2sh', data: s.subarray(2, 22) };
  }
  const wp = witnessProgram(s);
  if (wp) {
    const { version, program } = wp;
    if (version === 0) {
      if (program.length === 20) return { type: 'p2wpkh', data: program, witnessVersion: 0 };
      if (program.length === 32) return { type: 'p2wsh', data: program, witnessVersion: 0 };
      return { type: 'nonstandard' };
    }
    if (version === 1 && program.length === 32) return { type: 'p2tr', data: program, witnessVersion: 1 };
    return { type: 'witness_unknown', data: program, witnessVersion: version };
  }
  if (s.length >= 1 && s[0] === OP_RETURN) {
    const ops: ScriptOp[] = [];
    let offset = 1;
    while (offset < s.length) {
      const r = readOp(s, offset);
      // Core's IsPushOnly: every element parses and is at most OP_16.
      if (!r || r.op.opcode > OP_16) return { type: 'nonstandard' };
      ops.push(r.op);
      offset = r.next;
    }
    const only = ops.length === 1 ? ops[0]!.data : undefined;
    return only ? { type: 'nulldata', data: only } : { type: 'nulldata' };
  }
  if (s.length >= 35 && s[s.length - 1] === OP_CHECKSIG && s[0] === s.length - 2) {
    const key = s.subarray(1, s.length - 1);
    if (isPubkeyShaped(key)) return { type: 'p2pk', data: key };
  }
  return { type: 'nonstandard' };
}

/** OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG. */
export function p2pkhScript(hash160: Uint8Array): Buffer {
  requireLength('P2PKH hash', hash160, 20);
  return Buffer.concat([Buffer.of(OP_DUP, OP_HASH160, 20), hash160, Buffer.of(OP_EQUALVERIFY, OP_CHECKSIG)]);
}

/** OP_HASH160 <20> OP_EQUAL (BIP16). */
export function p2shScript(hash160: Uint8Array): Buffer {
  requireLength('P2SH hash', hash160, 20);
  return Buffer.concat([Buffer.of(OP_HASH160, 20), hash160, Buffer.of(OP_EQUAL)]);
}

/**
 * OP_n <program>: P2WPKH (v0, 20 bytes), P2WSH (v0, 32), P2TR (v1, 32), others.
 * Any 2..40-byte program is accepted for every version (BIP141's syntax), v0 included: the
 * reference's v35 payout rebuilds truncated P2WSH programs (e.g. 31 bytes, docs/sharechain.md#payout-addresses) and the
 * share code must be able to reproduce those bytes exactly.
 */
export function witnessScript(version: number, program: Uint8Array): Buffer {
  if (!Number.isInteger(version) || version < 0 || version > 16) {
    throw new RangeError(`witness version must be 0..16, got ${version}`);
  }
  if (program.length < MIN_WITNESS_PROGRAM || program.length > MAX_WITNESS_PROGRAM) {
    throw new RangeError(`witness program must be 2..40 bytes, got ${program.length}`);
  }
  return Buffer.concat([Buffer.of(version === 0 ? OP_0 : OP_1 + version - 1, program.length), program]);
}

/** OP_RETURN followed by one push of `data`. */
export function nullDataScript(data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(OP_RETURN), pushData(data)]);
}

/**
 * Minimal push of an arbitrary byte string (OP_0 / direct / PUSHDATA1/2/4), as Core's
 * `CScript << std::vector<unsigned char>` writes it. Like Core's operator<< (and unlike
 * CheckMinimalPush), one-byte values 1..16 are not turned into OP_1..OP_16: data pushes stay
 * data pushes, which is what the reference's create_push_script does for strings too.
 */
export function pushData(data: Uint8Array): Buffer {
  const n = data.length;
  let prefix: Buffer;
  if (n < OP_PUSHDATA1) {
    prefix = Buffer.of(n);
  } else if (n <= 0xff) {
    prefix = Buffer.of(OP_PUSHDATA1, n);
  } else if (n <= 0xffff) {
    prefix = Buffer.alloc(3);
    prefix[0] = OP_PUSHDATA2;
    prefix.writeUInt16LE(n, 1);
  } else {
    prefix = Buffer.alloc(5);
    prefix[0] = OP_PUSHDATA4;
    prefix.writeUInt32LE(n, 1);
  }
  return Buffer.concat([prefix, data]);
}

/** Largest height we encode: CScriptNum of 0x7fffffffff still fits the 5-byte push we read back. */
const MAX_BIP34_HEIGHT = 0x7fffffffff;

/** Minimal little-endian CScriptNum bytes of a non-negative integer (Core CScriptNum::serialize). */
function scriptNumBytes(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0) {
    bytes.push(v % 256);
    v = Math.floor(v / 256);
  }
  // The top bit is the sign: a positive number whose top byte has it set needs a 0x00 byte.
  if (bytes.length > 0 && (bytes[bytes.length - 1]! & 0x80) !== 0) bytes.push(0);
  return Buffer.from(bytes);
}

/**
 * BIP34: the coinbase scriptSig's first push, the height as a minimal CScriptNum.
 *
 * This is exactly Core's `CScript() << nHeight` (CScript::push_int64): 0 is OP_0 and 1..16 are
 * OP_1..OP_16, larger heights a direct push of the minimal CScriptNum (e.g. 111 -> 01 6f,
 * 413567 -> 03 7f4f06). Core's consensus check (ContextualCheckBlock, "bad-cb-height")
 * compares the scriptSig's prefix with these very bytes, so OP_n is required, not merely
 * allowed, for heights 1..16 (only reachable on regtest). The reference's create_push_script
 * encodes integers the same way. bcoin 1.0.2 agrees: its miner writes the height with
 * Script#pushInt (Opcode.fromInt: OP_0, OP_1..OP_16, else the minimal ScriptNum) and its
 * Script.getCoinbaseHeight reads OP_1..OP_16 or a push of up to 6 bytes that must re-encode
 * to the same bytes (it differs only on malformed pushes, which it reads as height 1). Callers must still pad the scriptSig to
 * Core's 2-byte minimum ("bad-cb-length") for heights 0..16; Core's own miner appends OP_0.
 */
export function bip34HeightPush(height: number): Buffer {
  if (!Number.isSafeInteger(height) || height < 0 || height > MAX_BIP34_HEIGHT) {
    throw new RangeError(`BIP34 height must be an integer 0..${MAX_BIP34_HEIGHT}, got ${height}`);
  }
  if (height === 0) return Buffer.of(OP_0);
  if (height <= 16) return Buffer.of(OP_1 + height - 1);
  const num = scriptNumBytes(height);
  return Buffer.concat([Buffer.of(num.length), num]);
}

/**
 * The BIP34 height at the start of a coinbase scriptSig, or null if it does not start with one.
 * Accepts OP_0, OP_1..OP_16 and direct pushes of 1..5 bytes holding a non-negative CScriptNum;
 * returns null for a negative number or a non-minimal encoding (the bytes would not equal
 * Core's `CScript() << height`, so a block carrying them fails "bad-cb-height"), and for
 * scripts that start with anything else.
 */
export function readBip34Height(scriptSig: Uint8Array): number | null {
  const s = buf(scriptSig);
  if (s.length === 0) return null;
  const first = s[0]!;
  if (first === OP_0) return 0;
  if (first >= OP_1 && first <= OP_16) return first - OP_1 + 1;
  if (first < 1 || first > 5 || s.length < 1 + first) return null;
  const num = s.subarray(1, 1 + first);
  const top = num[num.length - 1]!;
  if ((top & 0x80) !== 0) return null; // negative
  let value = 0;
  for (let i = num.length - 1; i >= 0; i--) value = value * 256 + num[i]!;
  // Minimal form only: this also rejects 1..16 and 0 written as data pushes.
  return bip34HeightPush(value).equals(s.subarray(0, 1 + first)) ? value : null;
}
