/**
 * The kill -9 drill, short form (test/support/kill-drill.ts; `npm run drill` runs 20 kills):
 * three `p2pool` processes on one bcoin regtest node, each with a CPU miner that reconnects by
 * itself; five times a node chosen at random is killed with SIGKILL at a random moment and
 * restarted on its data directory. Every share it had acknowledged (to its miner, or to a peer)
 * is in its store, the store opens clean, the node is on the network's best share within 10 s
 * of its restart and its miner is back; at the end all nodes agree and every block found pays
 * as PPLNS says.
 */
import { describe, expect, it } from 'vitest';
import { runKillDrill, summary } from '../support/kill-drill.js';

describe('kill -9 drill (5 kills)', () => {
  it('loses no acknowledged share, reopens clean, recovers within 10 s, and pays by PPLNS', async () => {
    const seed = Number(process.env.P2POOL_DRILL_SEED ?? Date.now() % 1_000_000);
    const r = await runKillDrill({ kills: 5, seed, log: (m) => console.log(m), minUpMs: 1_000, maxUpMs: 3_000 });
    console.log(`seed ${seed}; recovery ${JSON.stringify(summary(r.kills.map((k) => k.recoveryMs)))} ms; ${r.blocksChecked} blocks checked against PPLNS; ${r.seconds.toFixed(0)} s`);
    expect(r.kills).toHaveLength(5);
    // Something was acknowledged over the run (else the check below proves nothing).
    expect(r.kills.reduce((n, k) => n + k.ackedToMiner, 0)).toBeGreaterThan(0);
    for (const k of r.kills) {
      expect(k.lost, `${k.victim}: acknowledged shares missing from its store`).toEqual([]);
      expect(k.storeProblems, `${k.victim}: store not clean`).toEqual([]);
      expect(k.recoveryMs, `${k.victim}: back on the best share`).toBeLessThan(10_000);
      expect(k.minerBackMs).toBeGreaterThanOrEqual(0);
    }
    expect(r.agreed).toBe(true);
    expect(r.blocksChecked).toBeGreaterThan(0);
    expect(r.badPayouts).toEqual([]);
  }, 300_000);
});
