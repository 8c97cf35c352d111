/**
 * Writes the fair sharechain's test fixtures (test/fixtures/fair-sharechain/, see its
 * README.md): a regtest-fair chain mined with real hashing, and the test vectors picked from it.
 *
 *   npx tsx scripts/make-fair-fixtures.ts
 *
 * Deterministic: the same code writes the same bytes. The values written next to the shares
 * (hashes, payouts) come from the code; the tests check them against their own model of
 * docs/fair-sharechain.md, never against this script.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '../src/bitcoin/hex.js';
import { FairChainState } from '../src/sharechain/fair/chain-state.js';
import { consensusText } from '../src/sharechain/fair/identity.js';
import { FAIR_NET_NAMES, getFairNetwork } from '../src/sharechain/fair/networks.js';
import type { FairShare } from '../src/sharechain/fair/types.js';
import { mineFair, testScript, type FairSpec, type MinedFair } from '../test/support/fair-chain-builder.js';

const OUT = fileURLToPath(new URL('../test/fixtures/fair-sharechain/', import.meta.url));
const net = getFairNetwork('regtest-fair');
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
let clock = T0;
const state = new FairChainState({ net, now: () => (clock + 60) * 1000 });
const file: FairShare[] = [];
const mined = new Map<string, MinedFair>();

// 17 payees: 12 P2WPKH, 2 P2TR and one each of P2PKH, P2SH, P2WSH.
const forms = ['p2wpkh', 'p2wpkh', 'p2tr', 'p2pkh', 'p2wpkh', 'p2sh', 'p2wpkh', 'p2wsh', 'p2wpkh', 'p2tr', 'p2wpkh', 'p2wpkh', 'p2wpkh', 'p2wpkh', 'p2wpkh', 'p2wpkh', 'p2wpkh'] as const;
const payee = (i: number): Buffer => testScript(i % forms.length, forms[i % forms.length]!);

function add(spec: Omit<FairSpec, 'timestamp'>): FairShare {
  clock += 3;
  const m = mineFair(net, state.tracker, { ...spec, timestamp: clock });
  state.addShares([m.share]);
  if (!state.tracker.isVerified(m.share.hash)) throw new Error(`share ${m.share.hash} did not verify`);
  file.push(m.share);
  mined.set(m.share.hash, m);
  return m.share;
}

const picks: Record<string, string> = {};
let parent: string | null = null;
let late: FairShare | null = null;
for (let i = 0; i < 24; i++) {
  const subs: FairShare[] = [];
  if (parent !== null) {
    for (let j = 0; j < 2; j++) subs.push(add({ parent, payoutScript: payee(3 * i + j + 5), kind: 'sub-share' }));
  }
  if (i === 4 && parent !== null) {
    // A sub-share published two links late: still referenceable (its fork point is 3 below).
    const m = mineFair(net, state.tracker, { parent, payoutScript: payee(16), kind: 'sub-share', timestamp: clock + 1, nonceStart: 1000 });
    late = m.share;
    mined.set(late.hash, m);
  }
  if (i === 7 && late) {
    state.addShares([late]);
    file.push(late);
    picks.late_sub_share = late.hash;
  }
  // K = 11 (the lottery) on every third link, the opt-in K_MAX = 1,000 on one, else the default 200.
  const maxOutputs = i % 3 === 2 ? 11 : i === 13 ? 1000 : 200;
  const link = add({ parent, payoutScript: payee(i), kind: 'link', maxOutputs });
  if (i === 0) picks.genesis = link.hash;
  if (i === 10) {
    // A competing link on the same parent: it becomes an uncle, with a sub-share of its own.
    const uncle = add({ parent, payoutScript: payee(9), kind: 'link', nonceStart: 5000 });
    add({ parent: uncle.hash, payoutScript: payee(2), kind: 'sub-share' });
    picks.uncle = uncle.hash;
  }
  if (i === 3) picks.sub_share = subs[0]!.hash;
  if (i === 11) picks.link_with_uncle_ref = link.hash;
  if (i === 20) picks.lottery_k11 = link.hash;
  if (i === 9) picks.p2tr_finder = link.hash;
  if (i === 13) picks.link_k1000 = link.hash;
  parent = link.hash;
}

const hexLines = file.map((s) => toHex(s.raw)).join('\n') + '\n';
const vectors = {
  about: 'Shares of regtest-chain.hex picked as test vectors; values written by scripts/make-fair-fixtures.ts and checked by test/sharechain/fair/vectors.test.ts against its own model.',
  network: net.name,
  now: clock + 60,
  identities: Object.fromEntries(
    FAIR_NET_NAMES.map((n) => {
      const f = getFairNetwork(n);
      return [n, { text: consensusText(f, f.parent), consensus_id: toHex(f.consensusId), identifier: toHex(f.identifier), prefix: toHex(f.prefix) }];
    }),
  ),
  shares: Object.entries(picks).map(([name, hash]) => {
    const m = mined.get(hash)!;
    return {
      name,
      hash,
      index: file.findIndex((s) => s.hash === hash),
      kind: m.share.isLink ? 'link' : 'sub-share',
      hex: toHex(m.share.raw),
      ref_hash: toHex(m.share.refHash),
      gentx_txid: toHex(Buffer.from(m.gen.txid).reverse()),
      payouts: m.gen.payouts.amounts.map((a) => ({ script: a.key, value: Number(a.value) })),
    };
  }),
};
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'regtest-chain.hex'), hexLines);
writeFileSync(join(OUT, 'vectors.json'), JSON.stringify(vectors, null, 2) + '\n');
process.stdout.write(`${file.length} shares, ${Object.keys(picks).length} vectors, best ${state.best}\n`);
