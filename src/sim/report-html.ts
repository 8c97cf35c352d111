/**
 * report.html (docs/simulate.md#reporthtml): one self-contained page per run (or sweep) with
 * the report's figures as tables and SVG charts. No external resources: the styles, charts and
 * the few lines of script that sort tables are all inline, so the file opens offline.
 */
import type { Report } from './report.js';
import { barChart, esc, xyChart } from './svg-chart.js';
import { formatDuration, formatHashrate } from './units.js';

const BLUE = '#2563eb';
const ORANGE = '#ea580c';
const GREEN = '#16a34a';
const RED = '#dc2626';
const GREY = '#9ca3af';
const PURPLE = '#7c3aed';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
main{max-width:1340px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 2px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
p.lead{color:#4b5563;margin:2px 0 12px;max-width:1000px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:12px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px}
svg.chart{width:100%;height:auto;font-size:11px}
svg .title{font-weight:600;font-size:13px}svg .grid{stroke:#eef0f3}svg .axes{fill:none;stroke:#9ca3af}
svg .tick{fill:#4b5563}svg .label{fill:#374151;font-size:12px}svg .legend{fill:#374151}
svg .line{fill:none;stroke-width:1.6}svg .ref{stroke:#6b7280;stroke-dasharray:4 3}svg .err{stroke-width:1.2}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:4px 0}
th,td{border:1px solid #e5e7eb;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f3f4f6;cursor:pointer;user-select:none}td.l,th.l{text-align:left}
.kv{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:6px 16px;max-width:1100px}
.kv div{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:6px 10px}
.kv b{display:block;font-size:18px}.kv span{color:#6b7280;font-size:12px}
.scroll{max-height:420px;overflow:auto;display:inline-block;border:1px solid #e5e7eb}
footer{color:#6b7280;font-size:12px;margin-top:24px}`;

/** Sorts a table by the clicked column (numbers as numbers); nothing else. */
const SCRIPT = `
document.querySelectorAll('table.sortable th').forEach(function(th){th.addEventListener('click',function(){
var table=th.closest('table');var body=table.tBodies[0];var i=Array.prototype.indexOf.call(th.parentNode.children,th);
var dir=th.getAttribute('data-dir')==='asc'?'desc':'asc';th.setAttribute('data-dir',dir);
var rows=Array.prototype.slice.call(body.rows);
rows.sort(function(a,b){var x=a.cells[i].getAttribute('data-v')||a.cells[i].textContent;var y=b.cells[i].getAttribute('data-v')||b.cells[i].textContent;
var nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:(x<y?-1:x>y?1:0);return dir==='asc'?c:-c;});
rows.forEach(function(r){body.appendChild(r);});});});`;

const pct = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(digits)}%`);
const num = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '–' : `${+v.toPrecision(digits)}`);
const btc = (sats: number): string => `${(sats / 1e8).toFixed(8)}`;
/** Efficiency against the work found, with its error (docs/simulate.md#efficiency-against-the-work-found). */
const workEff = (g: { workEfficiency: number | null; workEfficiencyStdError: number | null }): string =>
  g.workEfficiency === null ? '–' : g.workEfficiencyStdError === null ? num(g.workEfficiency, 4) : `${num(g.workEfficiency, 4)} ± ${num(g.workEfficiencyStdError, 2)}`;

function cell(v: string, sortValue?: number | null, left = false): string {
  const dv = sortValue === undefined || sortValue === null ? '' : ` data-v="${sortValue}"`;
  return `<td${left ? ' class="l"' : ''}${dv}>${esc(v)}</td>`;
}

function table(headers: Array<[string, boolean?]>, rows: string[][], scroll = false): string {
  const head = headers.map(([h, left]) => `<th${left ? ' class="l"' : ''}>${esc(h)}</th>`).join('');
  const t = `<table class="sortable"><thead><tr>${head}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
  return scroll ? `<div class="scroll">${t}</div>` : t;
}

function kv(items: Array<[string, string, string?]>): string {
  return `<div class="kv">${items.map(([k, v, note]) => `<div><span>${esc(k)}</span><b>${esc(v)}</b>${note ? `<span>${esc(note)}</span>` : ''}</div>`).join('')}</div>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>${body}</main><script>${SCRIPT}</script></body></html>
`;
}

/** The page for one run. */
export function renderReportHtml(r: Report): string {
  const sc = r.scenario;
  const pool = r.pool;
  const parts: string[] = [];
  parts.push(`<h1>p2pool simulate: ${esc(sc.name)}</h1>`);
  parts.push(`<p class="lead">${esc(sc.description)}</p>`);
  parts.push(`<p class="lead">Rules ${esc(String(sc.rules.name))} on ${esc(String(sc.rules['network']))}, seed ${sc.seed}; ${sc.miners} miners on ${sc.nodes} nodes, pool ${esc(sc.poolHashrateText)}; ${esc(formatDuration(sc.durationSeconds))} of network time${sc.warmupSeconds ? ` (the first ${esc(formatDuration(sc.warmupSeconds))} not counted)` : ''}; parent-chain difficulty ${num(sc.parentChain.difficulty, 4)}.</p>`);

  const largest = [...r.miners].sort((a, b) => b.hashrate - a.hashrate)[0];
  // The summary's small-miner figures: the class holding 1 TH/s, else the smallest one with miners.
  const one = r.classes.find((c) => c.minHashrate <= 1e12 && c.maxHashrate > 1e12 && c.miners > 0)
    ?? [...r.classes].filter((c) => c.miners > 0).sort((a, b) => a.minHashrate - b.minHashrate)[0];
  parts.push('<h2>Pool</h2>');
  parts.push(kv([
    ['shares found', String(pool.shares.found), `one per ${num(pool.meanSharePeriodSeconds)} s`],
    ['orphaned + dead', pct(pool.stale), `orphaned ${pct(pool.orphan)}, dead ${pct(pool.dead)}`],
    ['blocks found', String(pool.blocks.found), `expected ${num(pool.expectedBlocks)} (${num(pool.expectedSharesPerBlock)} shares per block)`],
    ['coinbase outputs', `${pool.coinbaseOutputs.max ?? '–'} max`, `median ${pool.coinbaseOutputs.p50 ?? '–'} over all shares' coinbases`],
    ['largest miner efficiency', num(largest?.efficiency ?? null, 4), largest ? `${formatHashrate(largest.hashrate)}, node ${largest.node}` : ''],
    [`${one?.label ?? '1 TH/s'} miners efficiency`, num(one?.efficiency ?? null, 4), one ? `± ${num(one.efficiencyStdError, 2)} (share-count noise), ${one.miners} miners` : ''],
    [`${one?.label ?? '1 TH/s'}: payout CV per period`, num(one?.period.payoutCv ?? null), `period ${formatDuration(pool.period.seconds)}, ${pool.period.placements} × ${pool.period.replicatesPerPlacement} replicates`],
    [`${one?.label ?? '1 TH/s'}: periods paying nothing`, pct(one?.period.zeroPayoutFraction ?? null, 1), `pool blocks per period: mean ${num(pool.period.meanBlocks)}, none in ${pct(pool.period.zeroBlockFraction, 1)}`],
    ['P2P traffic per node', `${num(pool.p2p.meanSentBytesPerSecondPerNode)} B/s`, 'sent, mean over nodes (real message encoder)'],
    ['final chain', `height ${pool.finalChain.height}`, `${pool.finalChain.nodesAgreeing} of ${sc.nodes} nodes agree at the end`],
  ]));

  // Charts.
  const charts: string[] = [];
  const minerPts = r.miners.filter((m) => m.efficiency !== null).map((m) => ({
    x: m.hashrate, y: m.efficiency!, title: `miner ${m.index}: ${formatHashrate(m.hashrate)}, node ${m.node}, ${m.shares.found} shares, efficiency ${num(m.efficiency, 4)}`,
  }));
  const classPts = r.classes.filter((c) => c.efficiency !== null && c.miners > 0);
  charts.push(xyChart('Efficiency (payout share / hash-rate share) by hash rate', { label: 'miner hash rate (H/s)', log: true }, { label: 'efficiency' }, [
    { name: 'miners', color: GREY, points: minerPts },
    {
      name: 'classes (± share-count noise)', color: BLUE,
      points: classPts.map((c) => ({ x: Math.sqrt(c.minHashrate * c.maxHashrate), y: c.efficiency!, r: 4, title: `${c.label}: efficiency ${num(c.efficiency, 4)} ± ${num(c.efficiencyStdError, 2)}` })),
      errors: classPts.map((c) => c.efficiencyStdError ?? 0),
    },
  ], 1));
  const cvPts = r.miners.filter((m) => m.period.payoutCv !== null).map((m) => ({ x: m.hashrate, y: m.period.payoutCv!, title: `miner ${m.index}: ${formatHashrate(m.hashrate)}, CV ${num(m.period.payoutCv)}` }));
  const cvClass = r.classes.filter((c) => c.period.payoutCv !== null);
  charts.push(xyChart(`Payout CV per ${formatDuration(pool.period.seconds)} (Monte Carlo)`, { label: 'miner hash rate (H/s)', log: true }, { label: 'coefficient of variation', log: true }, [
    { name: 'miners (this history)', color: GREY, points: cvPts },
    { name: 'classes (pooled)', color: ORANGE, points: cvClass.map((c) => ({ x: Math.sqrt(c.minHashrate * c.maxHashrate), y: c.period.payoutCv!, r: 4, title: `${c.label}: CV ${num(c.period.payoutCv)}` })) },
  ]));
  charts.push(xyChart(`Periods of ${formatDuration(pool.period.seconds)} that paid nothing`, { label: 'miner hash rate (H/s)', log: true }, { label: 'fraction of periods', min: 0, max: 1 }, [
    { name: 'miners', color: GREY, points: r.miners.map((m) => ({ x: m.hashrate, y: m.period.zeroPayoutFraction, title: `miner ${m.index}: ${pct(m.period.zeroPayoutFraction, 1)}` })) },
    { name: 'classes (pooled)', color: PURPLE, points: r.classes.filter((c) => c.miners > 0).map((c) => ({ x: Math.sqrt(c.minHashrate * c.maxHashrate), y: c.period.zeroPayoutFraction, r: 4, title: `${c.label}: ${pct(c.period.zeroPayoutFraction, 1)}` })) },
  ]));
  charts.push(barChart('Orphaned and dead shares by node', r.nodes.map((n) => String(n.index)), 'node', { label: 'share of the node\'s shares' }, [
    { name: 'orphaned', color: ORANGE, values: r.nodes.map((n) => n.orphan ?? 0) },
    { name: 'dead', color: RED, values: r.nodes.map((n) => n.dead ?? 0) },
  ], r.nodes.map((n) => `node ${n.index} (${pct(n.hashrateShare, 1)} of the hash rate, ${n.miners} miners)`)));
  const hours = (i: number): number => (i * r.series.intervalSeconds) / 3600;
  charts.push(xyChart('Shares per interval', { label: 'hours' }, { label: `shares per ${formatDuration(r.series.intervalSeconds)}`, min: 0 }, [
    { name: 'on the chain', color: GREEN, line: true, points: r.series.chain.map((v, i) => ({ x: hours(i), y: v })) },
    { name: 'orphaned', color: ORANGE, line: true, points: r.series.orphan.map((v, i) => ({ x: hours(i), y: v })) },
    { name: 'dead', color: RED, line: true, points: r.series.dead.map((v, i) => ({ x: hours(i), y: v })) },
  ]));
  charts.push(xyChart('Share difficulty', { label: 'hours' }, { label: 'mean share difficulty', min: 0 }, [
    { name: 'share difficulty', color: BLUE, line: true, points: r.series.meanShareDifficulty.map((v, i) => ({ x: hours(i), y: v ?? NaN })) },
  ]));
  charts.push(xyChart('Coinbase outputs per share', { label: 'hours' }, { label: 'outputs (mean per interval)', min: 0 }, [
    { name: 'outputs', color: PURPLE, line: true, points: r.series.meanCoinbaseOutputs.map((v, i) => ({ x: hours(i), y: v ?? NaN })) },
  ]));
  charts.push(barChart('P2P traffic by node (real message encoder)', r.nodes.map((n) => String(n.index)), 'node', { label: 'bytes per second' }, [
    { name: 'sent', color: BLUE, values: r.nodes.map((n) => n.p2p.sentBytesPerSecond) },
    { name: 'received', color: GREEN, values: r.nodes.map((n) => n.p2p.receivedBytesPerSecond) },
  ]));
  parts.push('<h2>Charts</h2>');
  parts.push(`<div class="grid2">${charts.map((c) => `<div class="card">${c}</div>`).join('')}</div>`);

  parts.push('<h2>Hash-rate classes</h2>');
  parts.push(table(
    [['class', true], ['miners'], ['hash rate'], ['share'], ['shares'], ['orphaned'], ['dead'], ['efficiency'], ['± noise'], ['vs work found'], ['payout CV'], ['zero periods']],
    r.classes.map((c) => [
      cell(c.label, null, true), cell(String(c.miners), c.miners), cell(formatHashrate(c.hashrate), c.hashrate), cell(pct(c.hashrateShare), c.hashrateShare),
      cell(String(c.shares.found), c.shares.found), cell(pct(c.orphan), c.orphan), cell(pct(c.dead), c.dead),
      cell(num(c.efficiency, 4), c.efficiency), cell(num(c.efficiencyStdError, 2), c.efficiencyStdError), cell(workEff(c), c.workEfficiency), cell(num(c.period.payoutCv), c.period.payoutCv), cell(pct(c.period.zeroPayoutFraction, 1), c.period.zeroPayoutFraction),
    ]),
  ));

  parts.push('<h2>Nodes</h2>');
  const cpu = r.wallClock.nodes;
  parts.push(table(
    [['node', true], ['miners'], ['hash rate'], ['share'], ['peers'], ['latency ms'], ['shares'], ['orphaned'], ['dead'], ['efficiency'], ['vs work found'], ['sent B/s'], ['received B/s'], ['verify CPU ms'], ['verified'], ['cache hits']],
    r.nodes.map((n, i) => [
      cell(`${n.index} ${n.name}`, n.index, true), cell(String(n.miners), n.miners), cell(formatHashrate(n.hashrate), n.hashrate), cell(pct(n.hashrateShare), n.hashrateShare),
      cell(String(n.neighbours), n.neighbours), cell(num(n.meanLatencyMs), n.meanLatencyMs), cell(String(n.shares.found), n.shares.found),
      cell(pct(n.orphan), n.orphan), cell(pct(n.dead), n.dead), cell(num(n.efficiency, 4), n.efficiency), cell(workEff(n), n.workEfficiency),
      cell(num(n.p2p.sentBytesPerSecond), n.p2p.sentBytesPerSecond), cell(num(n.p2p.receivedBytesPerSecond), n.p2p.receivedBytesPerSecond),
      cell(num(cpu[i]?.verifyMs ?? null, 4), cpu[i]?.verifyMs ?? null), cell(String(cpu[i]?.verified ?? ''), cpu[i]?.verified ?? null), cell(String(cpu[i]?.verifyCacheHits ?? ''), cpu[i]?.verifyCacheHits ?? null),
    ]),
  ));

  parts.push(`<h2>Miners (${r.miners.length})</h2>`);
  parts.push(table(
    [['miner', true], ['node'], ['hash rate'], ['share'], ['delay ms'], ['restart ms'], ['shares'], ['on chain'], ['orphaned'], ['dead'], ['efficiency'], ['vs work found'], ['expected BTC'], ['realized BTC'], ['payout CV'], ['zero periods']],
    r.miners.map((m) => [
      cell(String(m.index), m.index, true), cell(String(m.node), m.node), cell(formatHashrate(m.hashrate), m.hashrate), cell(pct(m.hashrateShare, 3), m.hashrateShare),
      cell(num(m.nodeDelayMs), m.nodeDelayMs), cell(num(m.restartDelayMs), m.restartDelayMs),
      cell(String(m.shares.found), m.shares.found), cell(String(m.shares.chain), m.shares.chain), cell(String(m.shares.orphan), m.shares.orphan), cell(String(m.shares.dead), m.shares.dead),
      cell(num(m.efficiency, 4), m.efficiency), cell(num(m.workEfficiency, 4), m.workEfficiency), cell(btc(m.expectedPayoutSats), m.expectedPayoutSats), cell(btc(m.realizedPayoutSats), m.realizedPayoutSats),
      cell(num(m.period.payoutCv), m.period.payoutCv), cell(pct(m.period.zeroPayoutFraction, 1), m.period.zeroPayoutFraction),
    ]),
    true,
  ));

  parts.push(`<h2>Blocks found (${r.blocks.length})</h2>`);
  if (r.blocks.length === 0) {
    parts.push(`<p class="lead">No block in this run (expected ${num(pool.expectedBlocks)}). Payouts above are expected values: each share weighted by its chance of being a block (docs/simulate.md).</p>`);
  } else {
    parts.push(table(
      [['height', true], ['time'], ['node'], ['miner'], ['outputs'], ['miners paid'], ['largest payout BTC']],
      r.blocks.slice(0, 1000).map((b) => [
        cell(String(b.height), b.height, true), cell(new Date(b.time * 1000).toISOString().replace('.000Z', 'Z'), b.time), cell(String(b.node), b.node), cell(String(b.miner), b.miner),
        cell(String(b.coinbaseOutputs), b.coinbaseOutputs), cell(String(b.payouts.filter((p) => 'miner' in p).length)),
        cell(btc(Math.max(0, ...b.payouts.map((p) => p.sats)))),
      ]),
      true,
    ));
  }
  parts.push(`<footer>Generated by p2pool simulate (report schema ${esc(r.schema)}). Wall clock: ${num(r.wallClock.runSeconds)} s${r.wallClock.cpuSeconds === null ? '' : ` (CPU ${num(r.wallClock.cpuSeconds)} s)`}, peak RSS ${num(r.wallClock.peakRssBytes / 1e6)} MB, ${r.wallClock.events} events; verification ${r.wallClock.verification.sharesVerifiedInFull} shares in full (${num(r.wallClock.verification.meanMsPerShare)} ms each), ${r.wallClock.verification.cacheHits} cache hits.</footer>`);
  return page(`p2pool simulate: ${sc.name}`, parts.join('\n'));
}

/** The page for a sweep: how the pool's figures move with the swept parameter. */
export function renderSweepHtml(sweep: { parameter: string; label: string; values: unknown[] }, runs: Report[]): string {
  const labels = sweep.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const x = runs.map((_, i) => i);
  const at = (f: (r: Report) => number | null): Array<{ x: number; y: number; title: string }> =>
    runs.map((r, i) => ({ x: x[i]!, y: f(r) ?? NaN, title: `${labels[i]}: ${num(f(r), 4)}` }));
  const classNames = runs[0]?.classes.filter((c) => c.miners > 0).map((c) => c.label) ?? [];
  const palette = [BLUE, GREEN, ORANGE, RED, PURPLE, GREY];
  // Runs are evenly spaced by index; the ticks carry the swept values.
  const xAxis = { label: sweep.label, format: (v: number) => labels[v] ?? String(v) };
  const charts = [
    xyChart('Orphaned + dead shares', xAxis, { label: 'share of all shares', min: 0 }, [
      { name: 'orphaned + dead', color: RED, line: true, points: at((r) => r.pool.stale) },
      { name: 'orphaned', color: ORANGE, line: true, points: at((r) => r.pool.orphan) },
      { name: 'dead', color: GREY, line: true, points: at((r) => r.pool.dead) },
    ]),
    xyChart('Efficiency by hash-rate class', xAxis, { label: 'efficiency' }, classNames.map((c, k) => ({
      name: c, color: palette[k % palette.length]!, line: true, points: at((r) => r.classes.find((cc) => cc.label === c)?.efficiency ?? null),
    })), 1),
    xyChart('Efficiency by node', xAxis, { label: 'efficiency' }, (runs[0]?.nodes ?? []).slice(0, 6).map((n, k) => ({
      name: `node ${n.index} (${pct(n.hashrateShare, 0)})`, color: palette[k % palette.length]!, line: true, points: at((r) => r.nodes[n.index]?.efficiency ?? null),
    })), 1),
  ];
  const rows = runs.map((r, i) => [
    cell(labels[i]!, i, true), cell(String(r.pool.shares.found), r.pool.shares.found), cell(pct(r.pool.orphan), r.pool.orphan), cell(pct(r.pool.dead), r.pool.dead), cell(pct(r.pool.stale), r.pool.stale),
    ...classNames.map((c) => {
      const e = r.classes.find((cc) => cc.label === c)?.efficiency ?? null;
      return cell(num(e, 4), e);
    }),
    cell(num(r.wallClock.runSeconds), r.wallClock.runSeconds),
  ]);
  const body = [
    `<h1>p2pool simulate: sweep over ${esc(sweep.label)}</h1>`,
    `<p class="lead">${esc(runs[0]?.scenario.description ?? '')}</p>`,
    `<p class="lead">${runs.length} runs, parameter <code>${esc(sweep.parameter)}</code> = ${esc(labels.join(', '))}; seed ${runs[0]?.scenario.seed ?? ''}.</p>`,
    `<div class="grid2">${charts.map((c) => `<div class="card">${c}</div>`).join('')}</div>`,
    '<h2>Runs</h2>',
    table([[sweep.label, true], ['shares'], ['orphaned'], ['dead'], ['orphaned + dead'], ...classNames.map((c): [string] => [`eff. ${c}`]), ['run s']], rows),
    `<footer>Generated by p2pool simulate (report schema ${esc(runs[0]?.schema ?? '')}, sweep).</footer>`,
  ].join('\n');
  return page(`p2pool simulate: sweep over ${sweep.label}`, body);
}

