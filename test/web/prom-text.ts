/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests:
 * prom-client 15 exports no parser. Every line must be a `# HELP`, a `# TYPE` or a sample
 * `name{label="value",...} number`; a sample's family must have been declared by TYPE before
 * it; label values use only the format's escapes (\\, \", \n); numbers are floats, NaN or
 * +Inf/-Inf. Anything else throws with the line number.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE_RE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL_RE = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Suffixes a histogram or summary family's samples may carry. */
const SUFFIXES = ['_bucket', '_sum', '_count'];

function parseValue(s: string, line: number): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`line ${line}: bad value '${s}'`);
  return Number(s);
}

function parseLabels(s: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = s;
  while (rest.length > 0) {
    const m = LABEL_RE.exec(rest);
    if (!m) throw new Error(`line ${line}: bad labels '${s}'`);
    if (m[1]! in out) throw new Error(`line ${line}: label ${m[1]} twice`);
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
  }
  return out;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') throw new Error('the exposition must end with a newline');
  lines.pop();
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw === '') return;
    if (raw.startsWith('# HELP ')) {
      const m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(raw);
      if (!m) throw new Error(`line ${line}: bad HELP`);
      const f = families.get(m[1]!) ?? { name: m[1]!, type: '', help: '', samples: [] };
      f.help = m[2]!;
      families.set(f.name, f);
      return;
    }
    if (raw.startsWith('# TYPE ')) {
      const m = new RegExp(`^# TYPE (${NAME}) (\\w+)$`).exec(raw);
      if (!m || !TYPES.has(m[2]!)) throw new Error(`line ${line}: bad TYPE`);
      const f = families.get(m[1]!) ?? { name: m[1]!, type: '', help: '', samples: [] };
      if (f.type) throw new Error(`line ${line}: TYPE of ${m[1]} twice`);
      f.type = m[2]!;
      families.set(f.name, f);
      return;
    }
    if (raw.startsWith('#')) return; // other comments are allowed
    const m = SAMPLE_RE.exec(raw);
    if (!m) throw new Error(`line ${line}: not a sample: '${raw}'`);
    const name = m[1]!;
    let family = families.get(name);
    if (!family?.type) {
      const base = SUFFIXES.filter((s) => name.endsWith(s)).map((s) => families.get(name.slice(0, -s.length)))[0];
      if (base && (base.type === 'histogram' || base.type === 'summary')) family = base;
    }
    if (!family?.type) throw new Error(`line ${line}: sample ${name} before its TYPE`);
    family.samples.push({ name, labels: parseLabels(m[2] ?? '', line), value: parseValue(m[3]!, line) });
  });
  return families;
}
