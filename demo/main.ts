/**
 * `npm run demo`: a whole P2Pool in one command, with no bitcoind installed (demo.ts has the
 * parts). By default on the fair regtest network (`--v35`: the v35 regtest network). Prints the
 * dashboard URLs, then one line per found block for the first few and a summary every 15 s.
 * Ctrl-C (or --duration SECONDS) stops everything and deletes the temporary folder.
 */
import { FAIR_MINER_RATES, FAIR_SMALL_MINER_DIFFICULTY, startDemo, type Demo, type DemoRules } from './demo.js';

/** 1234 -> "1.23 kH/s". */
function hashRate(h: number): string {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s'];
  let i = 0;
  while (h >= 1000 && i < units.length - 1) {
    h /= 1000;
    i++;
  }
  return `${h.toFixed(h >= 100 ? 0 : 1)} ${units[i]}`;
}

const SUMMARY_EVERY_MS = 15_000;
/** Blocks described in full; after these, the periodic summary carries the counts. */
const DETAILED_BLOCKS = 3;

function parseDuration(argv: string[]): number | null {
  const i = argv.indexOf('--duration');
  if (i === -1) return null;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0 || v > 86_400) {
    console.error('demo: --duration takes a number of seconds (1-86400)');
    process.exit(2);
  }
  return v;
}

const t0 = Date.now();
const stamp = (): string => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s`;
const say = (line: string): void => console.log(`${stamp()}  ${line}`);

const counts = { shares: new Map<string, number>(), blocks: 0, accepted: 0, paidSat: new Map<string, number>() };

/** What the accepted blocks' coinbases paid each demo miner so far (and, fair, its part of the total). */
function paidSoFar(): string {
  const nodes = demo?.nodes ?? [];
  const total = nodes.reduce((a, n) => a + (counts.paidSat.get(n.minerAddress) ?? 0), 0);
  return nodes.map((n) => {
    const sat = counts.paidSat.get(n.minerAddress) ?? 0;
    const part = rules === 'fair' && total > 0 ? ` (${((sat / total) * 100).toFixed(1)}%)` : '';
    return `miner ${n.name} ${(sat / 1e8).toFixed(8)} rBTC${part}`;
  }).join(', ');
}

const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--v35') continue;
  if (args[i] === '--duration') {
    i++;
    continue;
  }
  console.error(`demo: unknown argument ${args[i]} (use --v35 for the v35 network, --duration SECONDS)`);
  process.exit(2);
}
const rules: DemoRules = args.includes('--v35') ? 'v35' : 'fair';

let demo: Demo | null = null;
/** While startDemo runs: Ctrl-C then waits for it and stops what it started. */
let starting: Promise<Demo> | null = null;
let stopping = false;

async function shutdown(code: number, why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`${why}: stopping the miners, both nodes and bcoin…`);
  const shares = [...counts.shares.entries()].map(([n, c]) => `node ${n} ${c}`).join(', ');
  const d = demo ?? (await starting?.catch(() => null));
  await d?.stop();
  say(`stopped. ${counts.blocks} blocks found (${counts.accepted} accepted by bcoin); shares: ${shares || 'none'}; paid: ${paidSoFar() || 'nothing'}. Temporary folder deleted.`);
  process.exit(code);
}

async function main(): Promise<void> {
  const duration = parseDuration(process.argv.slice(2));
  process.on('SIGINT', () => void shutdown(0, 'Ctrl-C'));
  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  if (rules === 'fair') {
    say(`P2Pool demo on the fair network (regtest-fair): bcoin regtest full node + two P2Pool nodes peered on loopback + a CPU miner on each, ` +
      `miner A at ${FAIR_MINER_RATES['A']} H/s and miner B at ${FAIR_MINER_RATES['B']} H/s (--v35 for the v35 network)`);
  } else {
    say('P2Pool demo on the v35 network (regtest): bcoin regtest full node + two P2Pool nodes peered on loopback + a CPU miner on each');
  }
  starting = startDemo({
    log: say,
    share: (n) => counts.shares.set(n.name, (counts.shares.get(n.name) ?? 0) + 1),
    block: (n, b, accepted, payouts) => {
      counts.blocks++;
      if (accepted) {
        counts.accepted++;
        for (const p of payouts) counts.paidSat.set(p.address, (counts.paidSat.get(p.address) ?? 0) + p.value);
      }
      if (counts.blocks > DETAILED_BLOCKS) return;
      const paid = payouts.map((p) => `${p.address} ${(p.value / 1e8).toFixed(8)}`).join(', ');
      say(`block found by miner ${n.name} at height ${b.height}${accepted ? ' (accepted by bcoin)' : ' (REJECTED)'}: ${b.hash}`);
      say(`  its coinbase pays ${paid}`);
      if (counts.blocks === DETAILED_BLOCKS) say('  (further blocks are counted in the summaries)');
    },
  }, { rules });
  demo = await starting;
  if (stopping) return;
  console.log('');
  for (const n of demo.nodes) console.log(`  dashboard node ${n.name}: ${n.dashboardUrl}`);
  for (const n of demo.nodes) console.log(`  miner ${n.name}: ${n.minerAddress} on ${n.stratumUrl}`);
  console.log(`  temporary folder: ${demo.dir}`);
  if (rules === 'fair') {
    console.log(`  Miner B is 40 times smaller. It asks for share difficulty ${FAIR_SMALL_MINER_DIFFICULTY} (user name ...${'/'}${FAIR_SMALL_MINER_DIFFICULTY}): sub-shares,`);
    console.log('  which the links reference; every block pays both miners by their work (the dashboard lists the references).');
  }
  console.log('  Press Ctrl-C to stop.\n');

  const summary = setInterval(() => {
    if (!demo || stopping) return;
    const parts = demo.nodes.map((n) => {
      const rate = n.pool.node.work.hashrate.total(Date.now()) ?? 0;
      return `node ${n.name}: ${counts.shares.get(n.name) ?? 0} shares, ${hashRate(rate)}, ${n.pool.node.p2p?.readyPeers().length ?? 0} peer`;
    });
    say(`${parts.join(' | ')} | ${counts.blocks} blocks, bcoin height ${demo.bcoin.height()} | paid ${paidSoFar()}`);
  }, SUMMARY_EVERY_MS);
  summary.unref();
  if (duration !== null) setTimeout(() => void shutdown(0, `${duration} s elapsed`), duration * 1000).unref();
}

main().catch(async (e: unknown) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  await demo?.stop().catch(() => undefined);
  process.exit(1);
});
