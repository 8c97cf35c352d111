/**
 * Scenario files (docs/simulate.md#scenario-files): JSON in, a validated, normalized Scenario
 * out. Every field has a unit and a bound; an error names the field. A `sweep` turns one file
 * into a family of scenarios that differ in one parameter.
 */
import { FAIR_NET_NAMES, type FairNetName } from '../sharechain/fair/networks.js';
import { P2POOL_NET_NAMES, type P2PoolNetName } from '../sharechain/networks.js';
import {
  ScenarioError, maxOf, parseDistribution, parseDuration, parseHashrate, type Distribution,
} from './units.js';

export { ScenarioError } from './units.js';

/** Rule sets the simulator knows (src/sim/rules.ts). */
export const RULE_NAMES = ['v35', 'fair'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** Network constants a scenario may override (v35 rules). */
export interface NetworkOverrides {
  sharePeriod?: number;
  chainLength?: number;
  realChainLength?: number;
  targetLookbehind?: number;
  spread?: number;
}

/**
 * What a fair scenario may override (docs/simulate.md#fields): the fair network's constants
 * (a network unlike any real one: another identity) and the own-target policy's k.
 */
export interface FairOverrides {
  linkPeriod?: number;
  windowLinks?: number;
  linkLookbehind?: number;
  floorLookbehind?: number;
  spread?: number;
  refDepth?: number;
  maxRefs?: number;
  /** Policy: expected shares per window per miner (policy.ts DEFAULT_K_TARGET). */
  kTarget?: number;
}

const V35_OVERRIDES = ['sharePeriod', 'chainLength', 'realChainLength', 'targetLookbehind', 'spread'] as const;
const FAIR_OVERRIDES = ['linkPeriod', 'windowLinks', 'linkLookbehind', 'floorLookbehind', 'spread', 'refDepth', 'maxRefs', 'kTarget'] as const;

export type HashrateSpec =
  | { kind: 'dist'; dist: Distribution }
  | { kind: 'zipf'; min: number; max: number; total: number };

export interface MinerGroup {
  label: string;
  count: number;
  hashrate: HashrateSpec;
  /** 'random' (weighted by node weight), 'round-robin' (by rank), or a node index. */
  node: 'random' | 'round-robin' | number;
  /** One-way node <-> miner delay, seconds. */
  nodeDelay: Distribution;
  /** Seconds the miner keeps hashing old work after new work reached it. */
  restartDelay: Distribution;
  /** Stratum `/D` share difficulty, or null for the node's choice. */
  shareDifficulty: number | null;
  /** Fair rules: the miner's `~N` (most payout outputs), drawn per miner; null: the default class. */
  maxOutputs: Distribution | null;
}

export interface NodeSpec {
  name: string;
  weight: number;
  feePercent: number;
}

export interface LinkPair {
  a: number;
  b: number;
  latency: Distribution;
  jitter: Distribution | null;
}

export interface Scenario {
  name: string;
  description: string;
  rules:
    | { name: 'v35'; network: P2PoolNetName; overrides: NetworkOverrides }
    | { name: 'fair'; network: FairNetName; overrides: FairOverrides };
  /** Unix seconds at virtual time 0. */
  start: number;
  /** Seconds of simulated mining. */
  duration: number;
  /** Seconds at the start excluded from the statistics. */
  warmup: number;
  parentChain: {
    difficulty: number;
    /** Satoshis per block (subsidy + fees): the coinbase value. */
    blockReward: number;
    /** Mean seconds between parent-chain blocks (the whole network's). */
    blockInterval: number;
    /** Seconds from a block to a node's new template. */
    templateDelay: Distribution;
  };
  nodes: NodeSpec[];
  links: {
    topology: { kind: 'full' } | { kind: 'random'; outgoing: number };
    latency: Distribution;
    jitter: Distribution;
    pairs: LinkPair[];
  };
  miners: MinerGroup[];
  report: {
    period: number;
    replicates: number;
    seriesInterval: number;
    classes: Array<{ label: string; min: number; max: number }>;
  };
  options: {
    verifyCache: boolean;
    realHashing: boolean;
    emitChain: boolean;
    bootstrapShares: number | null;
  };
}

const LIMITS = {
  nodes: 1000,
  minersTotal: 100_000,
  duration: 366 * 86400,
  replicates: 1_000_000,
  pairs: 100_000,
  classes: 100,
  sweep: 100,
};

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function obj(v: unknown, where: string): Obj {
  if (!isObj(v)) throw new ScenarioError(`${where}: expected an object`);
  return v;
}

function onlyKeys(o: Obj, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new ScenarioError(`${where}: unknown field "${k}" (known: ${keys.join(', ')})`);
  }
}

function num(v: unknown, where: string, lo: number, hi: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    throw new ScenarioError(`${where}: expected ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function str(v: unknown, where: string, max = 200): string {
  if (typeof v !== 'string' || v.length > max) throw new ScenarioError(`${where}: expected a string of at most ${max} characters`);
  return v;
}

function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') throw new ScenarioError(`${where}: expected true or false`);
  return v;
}

function opt<T>(o: Obj, key: string, def: T, parse: (v: unknown, where: string) => T, where: string): T {
  return o[key] === undefined ? def : parse(o[key], `${where}.${key}`);
}

const dur = (v: unknown, w: string): Distribution => parseDistribution(v, w, parseDuration);

function parseRules(v: unknown, where: string): Scenario['rules'] {
  const o = obj(v, where);
  onlyKeys(o, ['name', 'network', 'overrides'], where);
  const name = str(o['name'], `${where}.name`);
  if (!(RULE_NAMES as readonly string[]).includes(name)) throw new ScenarioError(`${where}.name: unknown rules "${name}" (known: ${RULE_NAMES.join(', ')})`);
  const network = str(o['network'], `${where}.network`);
  const nets: readonly string[] = name === 'fair' ? FAIR_NET_NAMES : P2POOL_NET_NAMES;
  if (!nets.includes(network)) throw new ScenarioError(`${where}.network: unknown network "${network}" for the ${name} rules (known: ${nets.join(', ')})`);
  const ov = o['overrides'] === undefined ? {} : obj(o['overrides'], `${where}.overrides`);
  const w = `${where}.overrides`;
  const period = (key: string): number => {
    const p = parseDuration(ov[key], `${w}.${key}`);
    if (!Number.isInteger(p) || p < 1 || p > 3600) throw new ScenarioError(`${w}.${key}: must be a whole number of seconds in [1, 3600]`);
    return p;
  };
  if (name === 'fair') {
    onlyKeys(ov, FAIR_OVERRIDES, w);
    const overrides: FairOverrides = {};
    if (ov['linkPeriod'] !== undefined) overrides.linkPeriod = period('linkPeriod');
    if (ov['windowLinks'] !== undefined) overrides.windowLinks = num(ov['windowLinks'], `${w}.windowLinks`, 10, 100_000, true);
    if (ov['linkLookbehind'] !== undefined) overrides.linkLookbehind = num(ov['linkLookbehind'], `${w}.linkLookbehind`, 2, 10_000, true);
    if (ov['floorLookbehind'] !== undefined) overrides.floorLookbehind = num(ov['floorLookbehind'], `${w}.floorLookbehind`, 1, 10_000, true);
    if (ov['spread'] !== undefined) overrides.spread = num(ov['spread'], `${w}.spread`, 1, 2 ** 48, true);
    if (ov['refDepth'] !== undefined) overrides.refDepth = num(ov['refDepth'], `${w}.refDepth`, 1, 100, true);
    if (ov['maxRefs'] !== undefined) overrides.maxRefs = num(ov['maxRefs'], `${w}.maxRefs`, 0, 255, true);
    if (ov['kTarget'] !== undefined) overrides.kTarget = num(ov['kTarget'], `${w}.kTarget`, 0.01, 1e6);
    return { name: 'fair', network: network as FairNetName, overrides };
  }
  onlyKeys(ov, V35_OVERRIDES, w);
  const overrides: NetworkOverrides = {};
  if (ov['sharePeriod'] !== undefined) overrides.sharePeriod = period('sharePeriod');
  if (ov['chainLength'] !== undefined) overrides.chainLength = num(ov['chainLength'], `${w}.chainLength`, 10, 100_000, true);
  if (ov['realChainLength'] !== undefined) overrides.realChainLength = num(ov['realChainLength'], `${w}.realChainLength`, 1, 100_000, true);
  if (ov['targetLookbehind'] !== undefined) overrides.targetLookbehind = num(ov['targetLookbehind'], `${w}.targetLookbehind`, 2, 100_000, true);
  if (ov['spread'] !== undefined) overrides.spread = num(ov['spread'], `${w}.spread`, 1, 1000, true);
  return { name: 'v35', network: network as P2PoolNetName, overrides };
}

function parseNodes(v: unknown, where: string): NodeSpec[] {
  if (Array.isArray(v)) {
    if (v.length < 1 || v.length > LIMITS.nodes) throw new ScenarioError(`${where}: 1 to ${LIMITS.nodes} nodes`);
    return v.map((n, i) => {
      const w = `${where}[${i}]`;
      const o = obj(n, w);
      onlyKeys(o, ['name', 'weight', 'feePercent'], w);
      return {
        name: opt(o, 'name', `node${i}`, (x, ww) => str(x, ww, 60), w),
        weight: opt(o, 'weight', 1, (x, ww) => num(x, ww, 0, 1e12), w),
        feePercent: opt(o, 'feePercent', 0, (x, ww) => num(x, ww, 0, 100), w),
      };
    });
  }
  const o = obj(v, where);
  onlyKeys(o, ['count', 'weights', 'feePercent'], where);
  const count = num(o['count'], `${where}.count`, 1, LIMITS.nodes, true);
  let exponent = 0;
  if (o['weights'] !== undefined) {
    const w = obj(o['weights'], `${where}.weights`);
    onlyKeys(w, ['zipf'], `${where}.weights`);
    exponent = num(w['zipf'], `${where}.weights.zipf`, 0, 10);
  }
  const fee = opt(o, 'feePercent', 0, (x, ww) => num(x, ww, 0, 100), where);
  return Array.from({ length: count }, (_, i) => ({ name: `node${i}`, weight: 1 / Math.pow(i + 1, exponent), feePercent: fee }));
}

function parseLinks(v: unknown, where: string, nodes: number): Scenario['links'] {
  const o = obj(v ?? {}, where);
  onlyKeys(o, ['topology', 'latency', 'jitter', 'pairs'], where);
  let topology: Scenario['links']['topology'] = { kind: 'full' };
  if (o['topology'] !== undefined && o['topology'] !== 'full') {
    const t = obj(o['topology'], `${where}.topology`);
    onlyKeys(t, ['random'], `${where}.topology`);
    const r = obj(t['random'], `${where}.topology.random`);
    onlyKeys(r, ['outgoing'], `${where}.topology.random`);
    topology = { kind: 'random', outgoing: num(r['outgoing'], `${where}.topology.random.outgoing`, 1, 100, true) };
  }
  const pairs: LinkPair[] = [];
  if (o['pairs'] !== undefined) {
    if (!Array.isArray(o['pairs']) || o['pairs'].length > LIMITS.pairs) throw new ScenarioError(`${where}.pairs: expected an array of at most ${LIMITS.pairs} links`);
    o['pairs'].forEach((p, i) => {
      const w = `${where}.pairs[${i}]`;
      const po = obj(p, w);
      onlyKeys(po, ['nodes', 'latency', 'jitter'], w);
      const ends = po['nodes'];
      if (!Array.isArray(ends) || ends.length !== 2) throw new ScenarioError(`${w}.nodes: expected [a, b], two node indexes`);
      const a = num(ends[0], `${w}.nodes[0]`, 0, nodes - 1, true);
      const b = num(ends[1], `${w}.nodes[1]`, 0, nodes - 1, true);
      if (a === b) throw new ScenarioError(`${w}.nodes: a node cannot link to itself`);
      pairs.push({ a, b, latency: dur(po['latency'], `${w}.latency`), jitter: po['jitter'] === undefined ? null : dur(po['jitter'], `${w}.jitter`) });
    });
  }
  return {
    topology,
    latency: opt(o, 'latency', { kind: 'fixed', value: 0.1 } as Distribution, dur, where),
    jitter: opt(o, 'jitter', { kind: 'fixed', value: 0 } as Distribution, dur, where),
    pairs,
  };
}

function parseHashrateSpec(v: unknown, where: string): HashrateSpec {
  if (isObj(v) && Object.keys(v).length === 1 && v['zipf'] !== undefined) {
    const z = obj(v['zipf'], `${where}.zipf`);
    onlyKeys(z, ['min', 'max', 'total'], `${where}.zipf`);
    const min = parseHashrate(z['min'], `${where}.zipf.min`);
    const max = parseHashrate(z['max'], `${where}.zipf.max`);
    const total = parseHashrate(z['total'], `${where}.zipf.total`);
    if (!(min > 0 && max > min)) throw new ScenarioError(`${where}.zipf: need 0 < min < max`);
    return { kind: 'zipf', min, max, total };
  }
  const dist = parseDistribution(v, where, parseHashrate);
  if (dist.kind === 'fixed' && dist.value <= 0) throw new ScenarioError(`${where}: a miner's hash rate must be > 0`);
  return { kind: 'dist', dist };
}

function parseMiners(v: unknown, where: string, nodes: number): MinerGroup[] {
  if (!Array.isArray(v) || v.length === 0) throw new ScenarioError(`${where}: expected a non-empty array of miner groups`);
  let total = 0;
  return v.map((g, i) => {
    const w = `${where}[${i}]`;
    const o = obj(g, w);
    onlyKeys(o, ['label', 'count', 'hashrate', 'node', 'nodeDelay', 'restartDelay', 'shareDifficulty', 'maxOutputs'], w);
    const count = opt(o, 'count', 1, (x, ww) => num(x, ww, 1, LIMITS.minersTotal, true), w);
    total += count;
    if (total > LIMITS.minersTotal) throw new ScenarioError(`${where}: at most ${LIMITS.minersTotal} miners in all`);
    let node: MinerGroup['node'] = 'random';
    if (o['node'] !== undefined) {
      if (o['node'] === 'random' || o['node'] === 'round-robin') node = o['node'];
      else node = num(o['node'], `${w}.node`, 0, nodes - 1, true);
    }
    const hashrate = parseHashrateSpec(o['hashrate'], `${w}.hashrate`);
    if (hashrate.kind === 'zipf' && count < 2) throw new ScenarioError(`${w}.hashrate.zipf: needs a group of at least 2 miners`);
    return {
      label: opt(o, 'label', `group${i}`, (x, ww) => str(x, ww, 60), w),
      count,
      hashrate,
      node,
      nodeDelay: opt(o, 'nodeDelay', { kind: 'fixed', value: 0 } as Distribution, dur, w),
      restartDelay: opt(o, 'restartDelay', { kind: 'fixed', value: 0 } as Distribution, dur, w),
      shareDifficulty: o['shareDifficulty'] === undefined || o['shareDifficulty'] === null ? null : num(o['shareDifficulty'], `${w}.shareDifficulty`, 1e-12, 1e18),
      maxOutputs: o['maxOutputs'] === undefined || o['maxOutputs'] === null
        ? null
        : parseDistribution(o['maxOutputs'], `${w}.maxOutputs`, (x, ww) => num(x, ww, 2, 65_535, true)),
    };
  });
}

/** Hash-rate classes centred (geometrically) on 1, 4, 16, ... TH/s: each spans a factor of 4. */
export const DEFAULT_CLASSES = [
  { label: '0.5-2 TH/s', min: 0.5e12, max: 2e12 },
  { label: '2-8 TH/s', min: 2e12, max: 8e12 },
  { label: '8-32 TH/s', min: 8e12, max: 32e12 },
  { label: '32-128 TH/s', min: 32e12, max: 128e12 },
  { label: '128-512 TH/s', min: 128e12, max: 512e12 },
  { label: '0.5-2 PH/s', min: 512e12, max: 2048e12 },
];

function parseReport(v: unknown, where: string, duration: number): Scenario['report'] {
  const o = obj(v ?? {}, where);
  onlyKeys(o, ['period', 'replicates', 'seriesInterval', 'classes'], where);
  const period = opt(o, 'period', Math.min(duration, 30 * 86400), parseDuration, where);
  if (period <= 0) throw new ScenarioError(`${where}.period: must be > 0`);
  let classes = DEFAULT_CLASSES;
  if (o['classes'] !== undefined) {
    if (!Array.isArray(o['classes']) || o['classes'].length > LIMITS.classes) throw new ScenarioError(`${where}.classes: expected an array of at most ${LIMITS.classes} classes`);
    classes = o['classes'].map((c, i) => {
      const w = `${where}.classes[${i}]`;
      const co = obj(c, w);
      onlyKeys(co, ['label', 'min', 'max'], w);
      const min = parseHashrate(co['min'], `${w}.min`);
      const max = parseHashrate(co['max'], `${w}.max`);
      if (!(max > min)) throw new ScenarioError(`${w}: need max > min`);
      return { label: str(co['label'], `${w}.label`, 60), min, max };
    });
  }
  return {
    period,
    replicates: opt(o, 'replicates', 10_000, (x, w) => num(x, w, 0, LIMITS.replicates, true), where),
    seriesInterval: opt(o, 'seriesInterval', Math.max(60, duration / 120), (x, w) => {
      const s = parseDuration(x, w);
      if (s <= 0) throw new ScenarioError(`${w}: must be > 0`);
      return s;
    }, where),
    classes,
  };
}

function parseOptions(v: unknown, where: string): Scenario['options'] {
  const o = obj(v ?? {}, where);
  onlyKeys(o, ['verifyCache', 'realHashing', 'emitChain', 'bootstrapShares'], where);
  return {
    verifyCache: opt(o, 'verifyCache', true, bool, where),
    realHashing: opt(o, 'realHashing', false, bool, where),
    emitChain: opt(o, 'emitChain', false, bool, where),
    bootstrapShares: opt(o, 'bootstrapShares', null as number | null, (x, w) => num(x, w, 1, 100_000, true), where),
  };
}

/** Parse one scenario (no `sweep`). */
export function parseScenario(raw: unknown): Scenario {
  const o = obj(raw, 'scenario');
  onlyKeys(o, ['name', 'description', 'rules', 'start', 'duration', 'warmup', 'parentChain', 'nodes', 'links', 'miners', 'report', 'options', 'sweep'], 'scenario');
  const duration = parseDuration(o['duration'], 'duration');
  if (duration <= 0 || duration > LIMITS.duration) throw new ScenarioError(`duration: must be in (0, ${LIMITS.duration / 86400} d]`);
  const warmup = opt(o, 'warmup', 0, parseDuration, 'scenario');
  if (warmup >= duration) throw new ScenarioError('warmup: must be shorter than duration');
  const pc = obj(o['parentChain'], 'parentChain');
  onlyKeys(pc, ['difficulty', 'blockReward', 'blockInterval', 'templateDelay'], 'parentChain');
  const nodes = parseNodes(o['nodes'], 'nodes');
  const scenario: Scenario = {
    name: opt(o, 'name', 'scenario', (x, w) => str(x, w, 100), 'scenario'),
    description: opt(o, 'description', '', (x, w) => str(x, w, 4000), 'scenario'),
    rules: parseRules(o['rules'], 'rules'),
    start: opt(o, 'start', 1_767_225_600, (x, w) => num(x, w, 1_231_006_505, 4_000_000_000, true), 'scenario'),
    duration,
    warmup,
    parentChain: {
      difficulty: num(pc['difficulty'], 'parentChain.difficulty', 1e-12, 1e30),
      blockReward: Math.round(num(pc['blockReward'], 'parentChain.blockReward', 0, 21e6) * 1e8),
      blockInterval: opt(pc, 'blockInterval', 600, (x, w) => {
        const s = parseDuration(x, w);
        if (s < 1) throw new ScenarioError(`${w}: must be at least 1 s`);
        return s;
      }, 'parentChain'),
      templateDelay: opt(pc, 'templateDelay', { kind: 'fixed', value: 0 } as Distribution, dur, 'parentChain'),
    },
    nodes,
    links: parseLinks(o['links'], 'links', nodes.length),
    miners: parseMiners(o['miners'], 'miners', nodes.length),
    report: parseReport(o['report'], 'report', duration),
    options: parseOptions(o['options'], 'options'),
  };
  if (scenario.nodes.every((n) => n.weight === 0)) throw new ScenarioError('nodes: at least one node needs a weight > 0');
  if (scenario.rules.name !== 'fair') {
    const i = scenario.miners.findIndex((g) => g.maxOutputs !== null);
    if (i >= 0) throw new ScenarioError(`miners[${i}].maxOutputs: only the fair rules have payout-output classes`);
  }
  if (scenario.rules.name === 'fair' && scenario.miners.some((g) => g.maxOutputs !== null && g.maxOutputs.kind !== 'fixed' && g.maxOutputs.kind !== 'oneOf')) {
    throw new ScenarioError('miners[].maxOutputs: a number or {"oneOf": [...]} of counts');
  }
  if (maxOf(scenario.links.latency) > 3600) throw new ScenarioError('links.latency: at most 1 h');
  return scenario;
}

/** A parsed file: one scenario, or a sweep's family (each with the swept value in its name). */
export interface ScenarioFile {
  scenarios: Scenario[];
  sweep: { parameter: string; label: string; values: unknown[] } | null;
}

/** Set `path` (dot-separated, numeric segments index arrays) in a JSON clone of `raw`. */
function withValue(raw: Obj, path: string, value: unknown): Obj {
  const clone = JSON.parse(JSON.stringify(raw)) as Obj;
  const parts = path.split('.');
  let cur: unknown = clone;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    const next = Array.isArray(cur) ? cur[Number(key)] : isObj(cur) ? cur[key] : undefined;
    if (next === undefined) {
      if (!isObj(cur)) throw new ScenarioError(`sweep.parameter: "${path}" does not name a field of the scenario`);
      cur[key] = {};
      cur = cur[key];
    } else {
      cur = next;
    }
  }
  const last = parts[parts.length - 1]!;
  if (Array.isArray(cur)) cur[Number(last)] = value;
  else if (isObj(cur)) cur[last] = value;
  else throw new ScenarioError(`sweep.parameter: "${path}" does not name a field of the scenario`);
  return clone;
}

export function parseScenarioFile(raw: unknown): ScenarioFile {
  const o = obj(raw, 'scenario');
  if (o['sweep'] === undefined) return { scenarios: [parseScenario(o)], sweep: null };
  const s = obj(o['sweep'], 'sweep');
  onlyKeys(s, ['parameter', 'label', 'values'], 'sweep');
  const parameter = str(s['parameter'], 'sweep.parameter');
  if (!/^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$/.test(parameter)) throw new ScenarioError('sweep.parameter: a dotted path such as "links.latency"');
  const values = s['values'];
  if (!Array.isArray(values) || values.length < 1 || values.length > LIMITS.sweep) throw new ScenarioError(`sweep.values: 1 to ${LIMITS.sweep} values`);
  const base: Obj = { ...o };
  delete base['sweep'];
  const name = typeof o['name'] === 'string' ? o['name'] : 'sweep';
  const scenarios = values.map((v, i) => {
    try {
      const sc = parseScenario(withValue(base, parameter, v));
      return { ...sc, name: `${name} [${parameter}=${typeof v === 'string' ? v : JSON.stringify(v)}]` };
    } catch (e) {
      if (e instanceof ScenarioError) throw new ScenarioError(`sweep.values[${i}]: ${e.message}`);
      throw e;
    }
  });
  return { scenarios, sweep: { parameter, label: typeof s['label'] === 'string' ? s['label'] : parameter, values } };
}
