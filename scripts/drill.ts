/**
 * `npm run drill [-- --kills N] [--seed N]`: the long kill -9 drill (test/support/kill-drill.ts;
 * 20 kills by default) and its figures: shares lost (must be 0), store problems, recovery
 * times p50/max. Exit code 1 when anything was lost or unclean.
 */
import { runKillDrill, summary } from '../test/support/kill-drill.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const kills = opt('kills', 20);
const seed = opt('seed', Date.now() % 1_000_000);
console.log(`kill -9 drill: ${kills} kills, seed ${seed}`);
const r = await runKillDrill({ kills, seed, log: (m) => console.log(m) });
const lost = r.kills.reduce((n, k) => n + k.lost.length, 0);
const unclean = r.kills.filter((k) => k.storeProblems.length > 0).length;
const acked = r.kills.reduce((n, k) => n + k.ackedToMiner + k.ackedToPeerOnly, 0);
const figures = {
  kills: r.kills.length,
  seed,
  acknowledgedShareChecks: acked,
  prunedByTheNodeBeforeAKill: r.kills.reduce((n, k) => n + k.prunedBeforeKill, 0),
  sharesLost: lost,
  uncleanStores: unclean,
  servingMs: summary(r.kills.map((k) => k.servingMs)),
  recoveryMs: summary(r.kills.map((k) => k.recoveryMs)),
  minerBackMs: summary(r.kills.map((k) => k.minerBackMs)),
  nodesAgreed: r.agreed,
  sharesOnChain: r.sharesOnChain,
  blocksCheckedAgainstPplns: r.blocksChecked,
  badPayouts: r.badPayouts.length,
  seconds: Math.round(r.seconds),
};
console.log(JSON.stringify(figures, null, 2));
for (const b of r.badPayouts) console.log(`bad payout: ${b}`);
process.exit(lost > 0 || unclean > 0 || !r.agreed || r.badPayouts.length > 0 || figures.recoveryMs.max > 10_000 ? 1 : 0);
