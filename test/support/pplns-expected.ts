/**
 * The coinbase payouts a share's block must have, computed straight from the reference's rules
 * (docs/sharechain.md#pplns), independently of the sharechain code: weights over the chain from the
 * share's grandparent, at most min(height, REAL_CHAIN_LENGTH) - 1 shares and SPREAD blocks'
 * worth of work (the last share pro-rated), 99.5% by weight, 0.5% to the finder, the rest to
 * the donation script. Keyed by output script hex.
 */
import { bitsToTarget, targetToWork } from '../../src/bitcoin/target.js';
import { DONATION_SCRIPT } from '../../src/sharechain/coinbase-layout.js';
import type { P2PoolNetwork } from '../../src/sharechain/networks.js';
import type { Share, ShareHash } from '../../src/sharechain/types.js';

export function expectedPayouts(share: Share, subsidy: number, get: (h: ShareHash) => Share | undefined, net: P2PoolNetwork): Map<string, number> {
  const chain: Share[] = [];
  for (let s: Share | undefined = share; s; s = s.prevHash ? get(s.prevHash) : undefined) chain.push(s);
  const height = chain.length - 1;
  const maxShares = Math.max(0, Math.min(height, net.realChainLength) - 1);
  const desired = 65535n * BigInt(net.spread) * targetToWork(bitsToTarget(share.minHeader.bits));
  const weights = new Map<string, bigint>();
  let total = 0n;
  let count = 0;
  for (const s of chain.slice(2)) {
    if (count >= maxShares || total >= desired) break;
    const att = targetToWork(s.target);
    let w = att * 65535n;
    let payee = att * BigInt(65535 - s.shareInfo.shareData.donation);
    let don = att * BigInt(s.shareInfo.shareData.donation);
    if (total + w > desired) {
      const room = desired - total;
      payee = ((room / 65535n) * payee) / (w / 65535n);
      don = ((room / 65535n) * don) / (w / 65535n);
      w = payee + don;
    }
    const key = s.payoutScript.toString('hex');
    weights.set(key, (weights.get(key) ?? 0n) + payee);
    total += w;
    count++;
  }
  const out = new Map<string, number>();
  const S = BigInt(subsidy);
  let paid = 0n;
  for (const [k, w] of weights) {
    if (w === 0n) continue;
    const v = (S * 199n * w) / (200n * total);
    out.set(k, Number(v));
    paid += v;
  }
  const finder = share.payoutScript.toString('hex');
  out.set(finder, (out.get(finder) ?? 0) + Number(S / 200n));
  paid += S / 200n;
  const d = DONATION_SCRIPT.toString('hex');
  out.set(d, (out.get(d) ?? 0) + Number(S - paid));
  for (const [k, v] of out) if (v === 0 && k !== d) out.delete(k);
  return out;
}
