// Bundles the `p2pool` executable (dist/src/cli/main.js, built by tsc) into dist/bin/: one ES
// module for the entry and chunks for what each command loads on demand (the node, the
// simulator, the chain verifier...), with the dependencies left to node_modules. Node then
// reads and links ~25 files at start instead of ~135 modules, which brings the first job ~70-100
// ms earlier (docs/operations.md#startup-time). The entry keeps its first line (the V8 flags).
// It also bundles the memory bench's child (bench/memory.ts) into dist/bench/bundle/ the same way,
// so that `npm run bench` times the first job as the executable runs it.
// `npm run build` runs it after tsc. Usage: node scripts/build-node.mjs
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // better-sqlite3, pino, commander...: loaded from node_modules as installed (native code,
  // their own files); only our modules are bundled.
  packages: 'external',
  logLevel: 'warning',
};

const out = join(root, 'dist', 'bin');
rmSync(out, { recursive: true, force: true });
await build({ ...common, entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')], outdir: out });
chmodSync(join(out, 'main.js'), 0o755);

const benchOut = join(root, 'dist', 'bench', 'bundle');
rmSync(benchOut, { recursive: true, force: true });
await build({ ...common, entryPoints: [join(root, 'dist', 'bench', 'memory.js')], outdir: benchOut });
