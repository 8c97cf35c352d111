/**
 * An independent, deliberately plain model of docs/fair-sharechain.md, written for the tests
 * from the spec alone: its own byte parser, node:crypto SHA-256, walks instead of sliding
 * windows, no caches. It computes a share's hash by building its coinbase from the model's own
 * PPLNS window, lottery and amounts, so a share whose payouts the model gets wrong does not hash
 * to its real hash. Nothing here imports src/sharechain/fair.
 */
import { createHash } from 'node:crypto';

const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();
export const dsha = (b: Buffer): Buffer => sha256(sha256(b));
const rev = (b: Buffer): Buffer => Buffer.from(b).reverse();

export interface ModelRules {
  identifier: Buffer;
  linkPeriod: number;
  linkLookbehind: number;
  linkMaxTarget: bigint;
  maxTarget: bigint;
  floorRangeLog2: number;
  floorLookbehind: number;
  ceilingRefsPerLink: number;
  floorStepDivisor: number;
  bonusNumerator: number;
  bonusDenominator: number;
  windowLinks: number;
  windowEntries: number;
  spread: number;
  finderDivisor: number;
}

export interface ModelShare {
  raw: Buffer;
  version: number;
  hVersion: number;
  prevBlock: Buffer;
  hTime: number;
  hBits: number;
  nonce: number;
  infoBytes: Buffer;
  prevShare: Buffer | null;
  coinbase: Buffer;
  script: Buffer;
  subsidy: bigint;
  time: number;
  shareBits: number;
  linkBits: number;
  floorBits: number;
  height: number;
  maxOutputs: number;
  refs: Buffer[];
  wtxidRoot: Buffer;
  branch: Buffer[];
  nonce8: Buffer;
  /** Filled by the model. */
  hash?: string;
  pow?: bigint;
  isLink?: boolean;
  payouts?: Array<{ script: string; value: bigint }>;
}

class Reader {
  pos = 0;
  constructor(readonly b: Buffer) {}
  u8(): number {
    return this.b[this.pos++]!;
  }
  u16(): number {
    const v = this.b.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.b.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.b.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    const v = this.b.subarray(this.pos, this.pos + n);
    if (v.length !== n) throw new Error('truncated');
    this.pos += n;
    return Buffer.from(v);
  }
  varint(): number {
    const f = this.u8();
    if (f < 0xfd) return f;
    if (f === 0xfd) {
      const v = this.b.readUInt16LE(this.pos);
      this.pos += 2;
      return v;
    }
    throw new Error('varint too large for the model');
  }
}

/** Parse a wrapper per docs/fair-sharechain.md#wire-format. */
export function parseShare(raw: Buffer): ModelShare {
  const outer = new Reader(raw);
  const version = outer.varint();
  const len = outer.varint();
  const r = new Reader(outer.bytes(len));
  if (outer.pos !== raw.length) throw new Error('trailing bytes');
  const hVersion = r.u32();
  const prevBlock = r.bytes(32);
  const hTime = r.u32();
  const hBits = r.u32();
  const nonce = r.u32();
  const infoStart = r.pos;
  const prev = r.bytes(32);
  const coinbase = r.bytes(r.varint());
  const script = r.bytes(r.varint());
  const subsidy = r.u64();
  const time = r.u32();
  const shareBits = r.u32();
  const linkBits = r.u32();
  const floorBits = r.u32();
  const height = r.u32();
  const maxOutputs = r.u16();
  const nRefs = r.varint();
  const refs: Buffer[] = [];
  for (let i = 0; i < nRefs; i++) refs.push(r.bytes(32));
  const wtxidRoot = r.bytes(32);
  const infoBytes = r.b.subarray(infoStart, r.pos);
  const nBranch = r.varint();
  const branch: Buffer[] = [];
  for (let i = 0; i < nBranch; i++) branch.push(r.bytes(32));
  const nonce8 = r.bytes(8);
  r.bytes(32); // hash_link state
  r.bytes(r.varint()); // extra_data
  r.varint(); // length
  if (r.pos !== r.b.length) throw new Error('trailing bytes in contents');
  return {
    raw, version, hVersion, prevBlock, hTime, hBits, nonce, infoBytes: Buffer.from(infoBytes),
    prevShare: prev.every((x) => x === 0) ? null : prev, coinbase, script, subsidy, time, shareBits, linkBits, floorBits,
    height, maxOutputs, refs, wtxidRoot, branch, nonce8,
  };
}

export function compactToTarget(bits: number): bigint {
  const m = BigInt(bits & 0xffffff);
  const e = bits >>> 24;
  return e >= 3 ? m << BigInt(8 * (e - 3)) : m >> BigInt(8 * (3 - e));
}

/** The compact form of the largest representable target <= t (round down). */
export function targetToCompact(t: bigint): number {
  let hex = t.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(t === 0n ? '' : hex, 'hex');
  if (bytes.length > 0 && bytes[0]! >= 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
  const mant = Buffer.concat([bytes, Buffer.alloc(3)]).subarray(0, 3);
  return ((bytes.length << 24) | mant.readUIntBE(0, 3)) >>> 0;
}

export const workOf = (target: bigint): bigint => (1n << 256n) / (target + 1n);

function varint(n: number): Buffer {
  if (n < 0xfd) return Buffer.of(n);
  const b = Buffer.alloc(3);
  b[0] = 0xfd;
  b.writeUInt16LE(n, 1);
  return b;
}

function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}

/** The model chain: shares by display hash, in the order added. */
export class FairModel {
  readonly shares = new Map<string, ModelShare>();

  constructor(readonly rules: ModelRules) {}

  private parentOf(s: ModelShare): ModelShare | undefined {
    return s.prevShare ? this.shares.get(rev(s.prevShare).toString('hex')) : undefined;
  }

  /** PPLNS weights walking links from `parent` (docs/fair-sharechain.md#pplns), as a plain walk. */
  window(parent: ModelShare | undefined, desired: bigint): Map<string, bigint> {
    const R = this.rules;
    const num = BigInt(R.bonusNumerator);
    const den = BigInt(R.bonusDenominator);
    const weights = new Map<string, bigint>();
    const add = (k: string, v: bigint): void => {
      if (v > 0n) weights.set(k, (weights.get(k) ?? 0n) + v);
    };
    let counted = 0n;
    let entries = 0;
    let links = 0;
    let cur = parent;
    while (cur && links < R.windowLinks && entries < R.windowEntries && counted < desired) {
      links++;
      const L = cur;
      const ents: Array<[string, bigint, string | null, bigint]> = [[L.script.toString('hex'), den * workOf(compactToTarget(L.shareBits)), null, 0n]];
      for (const rh of L.refs) {
        const r = this.shares.get(rev(rh).toString('hex'));
        if (!r) throw new Error('model: ref unknown');
        const w = workOf(compactToTarget(r.shareBits));
        ents.push([r.script.toString('hex'), den * w, L.script.toString('hex'), num * w]);
      }
      for (const [p, w, bp, b] of ents) {
        if (entries >= R.windowEntries || counted >= desired) break;
        entries++;
        const t = w + b;
        if (counted + t <= desired) {
          add(p, w);
          if (bp) add(bp, b);
          counted += t;
        } else {
          const x = desired - counted;
          add(p, (w * x) / t);
          if (bp) add(bp, (b * x) / t);
          counted = desired;
        }
      }
      cur = this.parentOf(L);
    }
    return weights;
  }

  /** The payouts of a share (docs/fair-sharechain.md#payouts, #lottery), in output order. */
  payouts(s: ModelShare): Array<{ script: string; value: bigint }> {
    const R = this.rules;
    const parent = this.parentOf(s);
    const desired = BigInt(R.bonusDenominator) * BigInt(R.spread) * workOf(compactToTarget(s.hBits));
    const w = this.window(parent, desired);
    const list = [...w.entries()].sort((a, b) => (a[1] !== b[1] ? (a[1] > b[1] ? -1 : 1) : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const W = list.reduce((acc, [, v]) => acc + v, 0n);
    const S = R.finderDivisor > 0 ? s.maxOutputs - 1 : s.maxOutputs;
    const chosen: Array<[string, bigint]> = [];
    if (list.length <= S) {
      chosen.push(...list);
    } else {
      let E = 0;
      const tailFrom = (e: number): bigint => list.slice(e).reduce((acc, [, v]) => acc + v, 0n);
      while (!(list[E]![1] * BigInt(S - E) <= tailFrom(E))) E++;
      chosen.push(...list.slice(0, E));
      const tail = list.slice(E);
      const WT = tailFrom(E);
      const m = BigInt(S - E);
      const seed = BigInt('0x' + dsha(Buffer.concat([Buffer.from('p2pool-fair lottery'), s.prevShare ?? Buffer.alloc(32)])).toString('hex'));
      const r = seed % WT;
      for (let j = 0n; j < m; j++) {
        const point = r + j * WT;
        let c = 0n;
        const winner = tail.find(([, v]) => {
          const inside = point >= m * c && point < m * (c + v);
          c += v;
          return inside;
        })!;
        chosen.push([winner[0], ((j + 1n) * WT) / m - (j * WT) / m]);
      }
    }
    const F = R.finderDivisor > 0 ? s.subsidy / BigInt(R.finderDivisor) : 0n;
    const rest = s.subsidy - F;
    const out = chosen.map(([k, v]) => ({ script: k, value: W === 0n ? 0n : (rest * v) / W }));
    const given = out.reduce((acc, o) => acc + o.value, 0n);
    const finder = s.script.toString('hex');
    const mine = out.find((o) => o.script === finder) ?? (F === 0n ? out[0] : undefined);
    if (mine) mine.value += s.subsidy - given;
    else out.push({ script: finder, value: s.subsidy - given });
    return out.filter((o) => o.value > 0n);
  }

  /** The coinbase (stripped) per docs/fair-sharechain.md#coinbase. */
  coinbaseBytes(s: ModelShare, payouts: Array<{ script: string; value: bigint }>): Buffer {
    const refHash = dsha(Buffer.concat([this.rules.identifier, s.infoBytes]));
    const reserved = Buffer.from('[P2Pool]'.repeat(4));
    const commitment = Buffer.concat([Buffer.from('6a24aa21a9ed', 'hex'), dsha(Buffer.concat([s.wtxidRoot, reserved]))]);
    const outs = [
      Buffer.concat([u64(0n), varint(commitment.length), commitment]),
      ...payouts.map((p) => {
        const sc = Buffer.from(p.script, 'hex');
        return Buffer.concat([u64(p.value), varint(sc.length), sc]);
      }),
      Buffer.concat([u64(0n), Buffer.from('2a6a28', 'hex'), refHash, s.nonce8]),
    ];
    return Buffer.concat([
      Buffer.from('01000000', 'hex'), Buffer.of(1), Buffer.alloc(32), Buffer.from('ffffffff', 'hex'),
      varint(s.coinbase.length), s.coinbase, Buffer.from('ffffffff', 'hex'),
      varint(outs.length), ...outs, Buffer.alloc(4),
    ]);
  }

  /** The link target the rules derive for a share on `parent` (docs/fair-sharechain.md#link-target). */
  linkBits(parent: ModelShare | undefined): number {
    const R = this.rules;
    const chain: ModelShare[] = [];
    for (let c = parent; c && chain.length < R.linkLookbehind; c = this.parentOf(c)) chain.push(c);
    if (!parent || chain.length < R.linkLookbehind) return targetToCompact(R.linkMaxTarget);
    const far = chain[R.linkLookbehind - 1]!;
    const work = chain.slice(0, R.linkLookbehind - 1).reduce((acc, c) => acc + workOf(compactToTarget(c.linkBits)), 0n);
    const dt = BigInt(Math.max(1, parent.time - far.time));
    const aps = work / dt;
    let t = aps === 0n ? (1n << 256n) - 1n : (1n << 256n) / (BigInt(R.linkPeriod) * aps) - 1n;
    const prev = compactToTarget(parent.linkBits);
    if (t < (prev * 9n) / 10n) t = (prev * 9n) / 10n;
    if (t > (prev * 11n) / 10n) t = (prev * 11n) / 10n;
    if (t > R.linkMaxTarget) t = R.linkMaxTarget;
    if (t < 1n) t = 1n;
    return targetToCompact(t);
  }

  /** The floor target (docs/fair-sharechain.md#floor-target). */
  floorBits(parent: ModelShare | undefined, linkTarget: bigint): number {
    const R = this.rules;
    const wide = linkTarget << BigInt(R.floorRangeLog2);
    const easiest = wide < R.maxTarget ? wide : R.maxTarget;
    const chain: ModelShare[] = [];
    for (let c = parent; c && chain.length < R.floorLookbehind; c = this.parentOf(c)) chain.push(c);
    let f: bigint;
    if (!parent || chain.length < R.floorLookbehind) f = easiest;
    else {
      const refs = chain.reduce((acc, c) => acc + c.refs.length, 0);
      const ceiling = R.ceilingRefsPerLink * R.floorLookbehind;
      const prev = compactToTarget(parent.floorBits);
      const step = prev / BigInt(R.floorStepDivisor);
      f = refs > ceiling ? prev - step : 2 * refs < ceiling ? prev + step : prev;
    }
    if (f < linkTarget) f = linkTarget;
    if (f > easiest) f = easiest;
    return targetToCompact(f);
  }

  /**
   * Add a share: build its coinbase from the model, hash its header, check PoW and the derived
   * targets. Returns the hash the model computed (not checked against anything here).
   */
  add(raw: Buffer): ModelShare {
    const s = parseShare(raw);
    const parent = this.parentOf(s);
    if (s.prevShare && !parent) throw new Error(`model: parent ${rev(s.prevShare).toString('hex')} unknown`);
    const linkBits = this.linkBits(parent);
    if (linkBits !== s.linkBits) throw new Error(`model: link_bits ${s.linkBits.toString(16)} != ${linkBits.toString(16)}`);
    const floorBits = this.floorBits(parent, compactToTarget(linkBits));
    if (floorBits !== s.floorBits) throw new Error(`model: floor_bits ${s.floorBits.toString(16)} != ${floorBits.toString(16)}`);
    s.payouts = this.payouts(s);
    let node = dsha(this.coinbaseBytes(s, s.payouts));
    for (const b of s.branch) node = dsha(Buffer.concat([node, b]));
    const header = Buffer.alloc(80);
    header.writeUInt32LE(s.hVersion, 0);
    s.prevBlock.copy(header, 4);
    node.copy(header, 36);
    header.writeUInt32LE(s.hTime, 68);
    header.writeUInt32LE(s.hBits, 72);
    header.writeUInt32LE(s.nonce, 76);
    const h = dsha(header);
    s.hash = rev(h).toString('hex');
    s.pow = BigInt('0x' + s.hash);
    if (s.pow > compactToTarget(s.shareBits)) throw new Error('model: PoW above the own target');
    s.isLink = s.pow <= compactToTarget(s.linkBits);
    this.shares.set(s.hash, s);
    return s;
  }
}
