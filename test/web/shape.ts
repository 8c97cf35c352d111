/**
 * Compares the *shape* of two JSON values: field names, nesting and value types, not values.
 * Used to hold our API's answers against the reference node's captured answers
 * (test/fixtures/p2pool-reference-node/web-capture.json).
 *
 * Rules:
 *  - types are null, boolean, number, string, array, object;
 *  - an object's keys must be the same set, except at `maps` paths, where the object is a
 *    dictionary (addresses, peers, versions as keys): each of our values must match one of the
 *    reference's values (any, when the reference's is empty);
 *  - each element of our array must match one of the reference's elements (any, when empty);
 *  - at `nullable` paths null and a value of the reference's type are both fine (e.g.
 *    stale_info: null or "orphan"), in either direction;
 *  - `extra` paths name keys we add beyond the reference (our extensions).
 * Paths look like `$.a.b[*].c`; map values are `$.map.*`.
 */
export interface ShapeOptions {
  maps?: string[];
  nullable?: string[];
  extra?: string[];
}

type Kind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function kindOf(v: unknown): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  if (t === 'boolean' || t === 'number' || t === 'string') return t;
  if (t === 'object') return 'object';
  throw new Error(`not a JSON value: ${t}`);
}

/** The differences between `ours` and `ref`'s shapes, as readable lines; empty when they match. */
export function compareShape(ref: unknown, ours: unknown, opts: ShapeOptions = {}, path = '$'): string[] {
  const rk = kindOf(ref);
  const ok = kindOf(ours);
  const nullable = opts.nullable?.includes(path) ?? false;
  if (rk === 'null' || ok === 'null') {
    if (rk === ok || nullable) return [];
    return [`${path}: reference has ${rk}, ours ${ok}`];
  }
  if (rk !== ok) return [`${path}: reference has ${rk}, ours ${ok}`];
  if (rk === 'array') return compareElements(ref as unknown[], ours as unknown[], opts, `${path}[*]`);
  if (rk !== 'object') return [];
  const r = ref as Record<string, unknown>;
  const o = ours as Record<string, unknown>;
  if (opts.maps?.includes(path)) return compareElements(Object.values(r), Object.values(o), opts, `${path}.*`);
  const errors: string[] = [];
  for (const k of Object.keys(r)) {
    if (!(k in o)) errors.push(`${path}: missing key '${k}'`);
    else errors.push(...compareShape(r[k], o[k], opts, `${path}.${k}`));
  }
  for (const k of Object.keys(o)) {
    if (!(k in r) && !opts.extra?.includes(`${path}.${k}`)) errors.push(`${path}: extra key '${k}'`);
  }
  return errors;
}

/** Every one of ours must match at least one of the reference's (distinct shapes only). */
function compareElements(refs: unknown[], ours: unknown[], opts: ShapeOptions, path: string): string[] {
  if (refs.length === 0) return [];
  const distinct = new Map<string, unknown>();
  for (const r of refs) {
    const sig = signature(r);
    if (!distinct.has(sig)) distinct.set(sig, r);
  }
  const candidates = [...distinct.values()];
  for (const o of ours) {
    // Report against the reference elements of the same kind when there are any.
    const sameKind = candidates.filter((r) => kindOf(r) === kindOf(o));
    let best: string[] | null = null;
    for (const r of sameKind.length > 0 ? sameKind : candidates) {
      const e = compareShape(r, o, opts, path);
      if (e.length === 0) {
        best = [];
        break;
      }
      if (best === null || e.length < best.length) best = e;
    }
    if (best!.length > 0) return best!;
  }
  return [];
}

/** A string that is equal for values of equal shape (object keys sorted, arrays by element kinds). */
function signature(v: unknown): string {
  const k = kindOf(v);
  if (k === 'array') return `[${[...new Set((v as unknown[]).map(signature))].sort().join(',')}]`;
  if (k === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((key) => `${key}:${signature(o[key])}`).join(',')}}`;
  }
  return k;
}
