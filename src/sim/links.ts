/**
 * The P2P links between simulated nodes (docs/simulate.md#links): who is connected to whom,
 * each link's one-way latency (drawn once per link, or given per pair) and per-message jitter.
 * A link is a TCP connection: messages arrive in the order they were sent (a message never
 * overtakes an earlier one on the same link, whatever its jitter).
 */
import type { Prng } from './prng.js';
import type { Scenario } from './scenario.js';
import { drawFrom, type Distribution } from './units.js';

export interface Link {
  /** Peer node index. */
  peer: number;
  /** One-way latency, ms. */
  latencyMs: number;
  jitter: Distribution;
  /** Arrival time of the last message sent on this direction of the link (FIFO). */
  lastArrival: number;
}

export class Links {
  /** links[a] = a's connections, one per peer (each direction kept separately). */
  readonly of: Link[][];

  constructor(sc: Scenario, rng: Prng) {
    const n = sc.nodes.length;
    const edges = new Map<string, { latency: Distribution; jitter: Distribution }>();
    const key = (a: number, b: number): string => (a < b ? `${a}-${b}` : `${b}-${a}`);
    const add = (a: number, b: number, latency: Distribution, jitter: Distribution): void => {
      edges.set(key(a, b), { latency, jitter });
    };
    const topo = sc.links.topology;
    if (topo.kind === 'full') {
      for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) add(a, b, sc.links.latency, sc.links.jitter);
    } else {
      // Each node dials `outgoing` distinct others (JT's default is 6), as a node does at start.
      const pick = rng.fork('topology');
      for (let a = 0; a < n; a++) {
        const want = Math.min(topo.outgoing, n - 1);
        const chosen = new Set<number>();
        while (chosen.size < want) {
          const b = pick.int(n);
          if (b !== a) chosen.add(b);
        }
        for (const b of [...chosen].sort((x, y) => x - y)) add(a, b, sc.links.latency, sc.links.jitter);
      }
      // Join components left apart (a node always finds the network through its bootstrap list).
      const comp = components(n, [...edges.keys()].map((k) => k.split('-').map(Number) as [number, number]));
      for (let i = 1; i < comp.length; i++) add(comp[i - 1]![0]!, comp[i]![0]!, sc.links.latency, sc.links.jitter);
    }
    for (const p of sc.links.pairs) add(p.a, p.b, p.latency, p.jitter ?? sc.links.jitter);

    this.of = Array.from({ length: n }, () => []);
    const draw = rng.fork('latency');
    for (const [k, e] of [...edges].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
      const [a, b] = k.split('-').map(Number) as [number, number];
      const latencyMs = drawFrom(e.latency, () => draw.float()) * 1000;
      this.of[a]!.push({ peer: b, latencyMs, jitter: e.jitter, lastArrival: -Infinity });
      this.of[b]!.push({ peer: a, latencyMs, jitter: e.jitter, lastArrival: -Infinity });
    }
    for (const l of this.of) l.sort((x, y) => x.peer - y.peer);
  }

  /** Arrival time of a message sent now on `link` (FIFO per direction). */
  arrival(link: Link, now: number, rng: Prng): number {
    const jitter = link.jitter.kind === 'fixed' && link.jitter.value === 0 ? 0 : drawFrom(link.jitter, () => rng.float()) * 1000;
    const t = Math.max(now + link.latencyMs + jitter, link.lastArrival);
    link.lastArrival = t;
    return t;
  }

  /** Mean one-way latency over all links, ms. */
  meanLatencyMs(): number {
    let s = 0;
    let c = 0;
    for (const l of this.of) for (const x of l) {
      s += x.latencyMs;
      c++;
    }
    return c ? s / c : 0;
  }
}

/** Connected components (each a sorted list of nodes), in order of their smallest node. */
function components(n: number, edges: Array<[number, number]>): number[][] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x]!)));
  for (const [a, b] of edges) parent[find(a)] = find(b);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(i);
  }
  return [...groups.values()].sort((x, y) => x[0]! - y[0]!);
}
