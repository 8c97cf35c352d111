/**
 * Early relay (docs/protocol.md#early-relay), over real loopback TCP: node A (ours) gets new
 * shares from a raw peer; early-relay peers (node B, ours, and a raw receiver) get a share that
 * extends A's best before A verifies it, a reference-like peer (no service bit) only after; a
 * share with bad PoW is never forwarded; a PoW-valid share that fails verification is forwarded,
 * then dropped by A and by B, and B does not ban A for it. Bans of loopback are on, so a ban
 * would show.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/p2p/framing.js';
import { encodeMessage } from '../../src/p2p/messages.js';
import { SERVICE_EARLY_RELAY } from '../../src/p2p/p2p-node.js';
import { InvalidShare } from '../../src/sharechain/invalid-share.js';
import { decodeShare, encodeShare } from '../../src/sharechain/share.js';
import type { Share } from '../../src/sharechain/types.js';
import { waitFor } from '../support/wait.js';
import { ADDRESSES, RawPeer, startNode, TestChain, net, type TestNode } from './p2p-support.js';

const chain = new TestChain();
let a: TestNode;
let b: TestNode;
let sender: RawPeer;
let receiver: RawPeer;
let plain: RawPeer;
const raws: RawPeer[] = [];
/** Shares A forwarded early, with whether A held them then (it must not have). */
const early: Array<{ hash: string; held: boolean; peers: number }> = [];

/** How many `shares` frames carrying `s` the raw peer got. */
const copies = (p: RawPeer, s: Share): number => p.received.filter((m) => m.command === 'shares' && m.shares.some((w) => w.raw.equals(s.raw))).length;

/** A share on the tip that is never announced honestly, re-encoded by `change`, with its header nonce ground until `keep` holds. */
function altered(change: (s: Share) => Share, keep: (raw: Buffer) => boolean): Buffer {
  const good = chain.extend(1, chain.tip.hash)[0]!;
  chain.shares.pop();
  for (let nonce = good.minHeader.nonce + 1; ; nonce++) {
    const c = change(good);
    const raw = encodeShare({ ...c, minHeader: { ...c.minHeader, nonce } }, net);
    if (keep(raw)) return raw;
  }
}

const powOk = (raw: Buffer): boolean => {
  try {
    decodeShare(raw, net);
    return true;
  } catch (e) {
    if (e instanceof InvalidShare && /PoW/.test(e.message)) return false;
    throw e;
  }
};

async function raw(local: string, services: bigint): Promise<RawPeer> {
  const r = await RawPeer.open(a.p2p.port, local);
  raws.push(r);
  r.sendVersion(BigInt(raws.length), chain.tip.hashBytes, services);
  return r;
}

beforeAll(async () => {
  chain.extend(20);
  a = await startNode({ bans: { banLoopback: true } });
  a.chain.addShares(chain.shares);
  b = await startNode({ bans: { banLoopback: true }, connect: [`127.0.0.1:${a.p2p.port}`] });
  await waitFor('b synced', () => b.chain.best === chain.tip.hash, 10_000);
  a.p2p.on('relayedEarly', (hash, peers) => early.push({ hash, held: a.chain.tracker.has(hash), peers }));
  sender = await raw('127.0.0.2', SERVICE_EARLY_RELAY);
  receiver = await raw('127.0.0.3', SERVICE_EARLY_RELAY);
  plain = await raw('127.0.0.4', 0n);
  await waitFor('peers ready', () => a.p2p.readyPeers().length === 4, 5_000);
});

afterAll(async () => {
  for (const r of raws) r.close();
  await b.p2p.stop();
  await a.p2p.stop();
});

describe('early relay', () => {
  it('forwards a new share on the best before verifying it, to early-relay peers only, once', async () => {
    const [s] = chain.extend(1);
    sender.send({ command: 'shares', shares: [{ type: s!.version, raw: s!.raw }] });
    await waitFor('b on the new share', () => b.chain.best === s!.hash, 2_000);
    // The reference-like peer gets it from the relay of the new best, after verification.
    await waitFor('plain peer got it', () => copies(plain, s!) === 1, 2_000);
    // Forwarded to B and the receiver (not the sender, not the plain peer) before A held it.
    expect(early).toEqual([{ hash: s!.hash, held: false, peers: 2 }]);
    expect(copies(receiver, s!)).toBe(1); // not again when it became best
    expect(a.p2p.earlyRelay).toEqual({ shares: 1, sends: 2, failedVerification: 0, notBanned: 0 });
  });

  it('never forwards a share with bad PoW, and bans its sender', async () => {
    const bad = altered((s) => s, (r) => !powOk(r));
    const s2 = await raw('127.0.0.5', SERVICE_EARLY_RELAY);
    s2.send({ command: 'shares', shares: [{ type: 35, raw: bad }] });
    await s2.closed;
    expect(a.p2p.bans.isBanned('127.0.0.5')).toBe(true);
    expect(a.p2p.earlyRelay.shares).toBe(1);
    expect(receiver.received.some((m) => m.command === 'shares' && m.shares.some((w) => w.raw.equals(bad)))).toBe(false);
  });

  it('forwards a PoW-valid share that then fails verification: dropped and counted, and B does not ban A', async () => {
    // Paying someone else: its PoW is ground to pass, its generation transaction no longer matches.
    const other = (s: Share): string => (s.payee === ADDRESSES[0] ? ADDRESSES[1]! : ADDRESSES[0]!);
    const bad = altered((s) => ({ ...s, shareInfo: { ...s.shareInfo, shareData: { ...s.shareInfo.shareData, address: other(s) } } }), powOk);
    const hash = decodeShare(bad, net).hash;
    sender.send({ command: 'shares', shares: [{ type: 35, raw: bad }] });
    await waitFor('B dropped it without banning A', () => b.p2p.earlyRelay.notBanned === 1, 2_000);
    expect(early.at(-1)).toEqual({ hash, held: false, peers: 2 });
    expect(receiver.received.filter((m) => m.command === 'shares' && m.shares.some((w) => w.raw.equals(bad)))).toHaveLength(1);
    expect(a.p2p.earlyRelay).toMatchObject({ shares: 2, failedVerification: 1, notBanned: 1 });
    expect(a.chain.tracker.has(hash)).toBe(false);
    expect(b.chain.tracker.has(hash)).toBe(false);
    expect(a.logs.join('\n')).toMatch(/relayed early, failed verification and was dropped/);
    // Nobody banned: the sender is still A's peer, A is still B's, and the plain peer never got it.
    expect(a.p2p.bans.isBanned('127.0.0.2')).toBe(false);
    expect(b.p2p.bans.isBanned('127.0.0.1')).toBe(false);
    expect(b.p2p.readyPeers()).toHaveLength(1);
    expect(plain.received.some((m) => m.command === 'shares' && m.shares.some((w) => w.raw.equals(bad)))).toBe(false);
    // The links still carry the next share.
    const [s] = chain.extend(1);
    sender.send({ command: 'shares', shares: [{ type: s!.version, raw: s!.raw }] });
    await waitFor('b on the next share', () => b.chain.best === s!.hash, 2_000);
  });

  it('forwards a share that came alone as the very frame it came in, one of several in a frame of its own', async () => {
    const frameOf = (shares: Share[]): Buffer => {
      const { command, payload } = encodeMessage({ command: 'shares', shares: shares.map((s) => ({ type: s.version, raw: s.raw })) });
      return encodeFrame(net.prefix, command, payload);
    };
    const carrying = (p: RawPeer, s: Share): Buffer[] =>
      p.frames.filter((_, i) => { const m = p.received[i]!; return m.command === 'shares' && m.shares.some((w) => w.raw.equals(s.raw)); });
    const before = a.p2p.earlyRelay.shares;

    const [alone] = chain.extend(1);
    const sent = frameOf([alone!]);
    sender.sendRaw(sent);
    await waitFor('b on the share sent alone', () => b.chain.best === alone!.hash, 2_000);
    expect(carrying(receiver, alone!)).toEqual([sent]);

    // Two in one message: the first extends A's best and goes early, alone; the second (on the
    // first) goes once it is verified and best.
    const [first, second] = chain.extend(2);
    sender.sendRaw(frameOf([first!, second!]));
    await waitFor('b on the second share', () => b.chain.best === second!.hash, 2_000);
    await waitFor('the receiver has both', () => carrying(receiver, second!).length === 1, 2_000);
    expect(carrying(receiver, first!)).toEqual([frameOf([first!])]);
    expect(a.p2p.earlyRelay.shares).toBe(before + 2);
  });
});
