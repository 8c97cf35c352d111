/**
 * Module hooks for the fuzzer (registered by register.mjs): TypeScript straight from source,
 * with the project's src/ instrumented for edge coverage (instrument.mjs) and everything else
 * (the targets, test/support, node_modules) loaded as is. Imports written with `.js` (as the
 * project writes them) find the `.ts` file.
 *
 * Hooks run on a thread of their own: the number of edges instrumented goes back to the main
 * thread through the shared Int32Array register.mjs passes in.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { coverageTransformer, edgeCount } from './instrument.mjs';

const root = new URL('../', import.meta.url).href;
const instrumented = `${root}src/`;
let edges = null;

export function initialize(data) {
  edges = data?.edges ?? null;
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
  const cover = url.startsWith(instrumented);
  const out = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, inlineSourceMap: true, inlineSources: false, esModuleInterop: true },
    transformers: cover ? { before: [coverageTransformer()] } : undefined,
  });
  if (cover && edges) Atomics.store(edges, 0, edgeCount());
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
