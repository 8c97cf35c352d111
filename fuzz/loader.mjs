/**
 * Module hooks for the fuzzer (registered by register.mjs): TypeScript straight from source,
 * with the project's src/ instrumented for edge coverage (instrument.mjs) and everything else
 * (the targets, test/support, node_modules) loaded as is. Imports written with `.js` (as the
 * project writes them) find the `.ts` file.
 *
 * Hooks run on a thread of their own: the number of edges instrumented goes back to the main
 * thread through the shared Int32Array register.mjs passes in.
 */
import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { coverageTransformer, edgeCount } from './instrument.mjs';

const root = new URL('../', import.meta.url).href;
const instrumented = [`${root}src/`, `${root}fuzz/selftest/`];
let edges = null;
let files = null;
let names = null;
let namesUsed = 0;

export function initialize(data) {
  edges = data?.edges ?? null;
  files = data?.files ?? null;
  names = data?.names ?? null;
}

/** Record a file's edge id range for per-file coverage: files[0] = count, then (start, end, nameOffset, nameLength). */
function recordFile(path, start, end) {
  if (!files || !names) return;
  const rel = Buffer.from(path.slice(fileURLToPath(root).length), 'utf8');
  const i = Atomics.load(files, 0);
  if (1 + 4 * (i + 1) > files.length || namesUsed + rel.length > names.length) return;
  names.set(rel, namesUsed);
  files.set([start, end, namesUsed, rel.length], 1 + 4 * i);
  namesUsed += rel.length;
  Atomics.store(files, 0, i + 1);
}

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:'))) {
      const url = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL).href;
      if (existsSync(fileURLToPath(url))) return { url, shortCircuit: true, format: 'module' };
    }
    throw e;
  }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const source = await readFile(fileURLToPath(url), 'utf8');
  const cover = instrumented.some((p) => url.startsWith(p));
  const out = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, inlineSourceMap: true, inlineSources: false, esModuleInterop: true },
    transformers: cover ? { before: [coverageTransformer((start, end) => recordFile(fileURLToPath(url), start, end))] } : undefined,
  });
  if (cover && edges) Atomics.store(edges, 0, edgeCount());
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
