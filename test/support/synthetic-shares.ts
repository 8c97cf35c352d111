/**
 * Synthetic Share objects for tracker tests: only the fields the tracker, scoring, votes and
 * stale accounting read are filled in (hash links, work, payee, donation, votes, stale_info,
 * timestamps, parent block). Shares with real bytes come from the chain builder.
 */
import { createHash } from 'node:crypto';
import type { Share, ShareHash, StaleInfo } from '../../src/sharechain/types.js';

export interface SyntheticSpec {
  prev: ShareHash | null;
  /** Share work (target_to_average_attempts); target is derived as 2**256 // work - 1. */
  work?: bigint;
  minWork?: bigint;
  payee?: string;
  donation?: number;
  desiredVersion?: number;
  staleInfo?: StaleInfo;
  timestamp?: number;
  timeSeen?: number;
  version?: number;
  /** Parent-chain block the share was mined on (display hex), for scoring. */
  prevBlock?: string;
  /** Makes hashes unique when everything else is equal. */
  salt?: string;
}

let counter = 0;

export function syntheticHash(label: string): ShareHash {
  return createHash('sha256').update(label).digest('hex');
}

export function makeShare(spec: SyntheticSpec): Share {
  const work = spec.work ?? 1000n;
  const minWork = spec.minWork ?? work;
  const hash = syntheticHash(`${spec.prev ?? 'genesis'}/${spec.salt ?? counter++}/${spec.payee ?? ''}`);
  const prevBlock = spec.prevBlock ? Buffer.from(spec.prevBlock, 'hex').reverse() : Buffer.alloc(32, 1);
  return {
    version: spec.version ?? 35,
    hash,
    prevHash: spec.prev,
    work,
    minWork,
    target: (1n << 256n) / work - 1n,
    maxTarget: (1n << 256n) / minWork - 1n,
    payee: spec.payee ?? 'payee-a',
    timeSeen: spec.timeSeen ?? 0,
    raw: Buffer.alloc(0),
    powHash: Buffer.alloc(32, 0xff),
    header: Buffer.alloc(80),
    minHeader: { version: 0x20000000, prevBlock, timestamp: spec.timestamp ?? 0, bits: 0x1d00ffff, nonce: 0 },
    shareInfo: {
      shareData: {
        previousShareHash: null,
        coinbase: Buffer.alloc(2),
        nonce: 0,
        subsidy: 5_000_000_000,
        donation: spec.donation ?? 0,
        staleInfo: spec.staleInfo ?? 'none',
        desiredVersion: spec.desiredVersion ?? 35,
      },
      farShareHash: null,
      maxBits: 0,
      bits: 0,
      timestamp: spec.timestamp ?? 0,
      absheight: 0,
      abswork: 0n,
    },
  } as unknown as Share;
}

/** A linear chain of `n` shares on top of `prev`, built by `spec(i)`. */
export function makeChain(n: number, prev: ShareHash | null, spec: (i: number) => Partial<SyntheticSpec> = () => ({})): Share[] {
  const out: Share[] = [];
  for (let i = 0; i < n; i++) {
    const s = makeShare({ ...spec(i), prev: out.length ? out[out.length - 1]!.hash : prev });
    out.push(s);
  }
  return out;
}
