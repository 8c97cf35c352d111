// Builds the dashboard (dashboard/) into dist/dashboard: type-checks it with its own
// tsconfig (DOM lib; the root tsconfig does not include it), bundles and minifies the
// TypeScript and CSS with esbuild, and copies index.html, the favicon and uPlot's stylesheet.
// `npm run build` runs it after tsc, so a type error in the dashboard fails the build.
// Usage: node scripts/build-dashboard.mjs [--no-check]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'dashboard');
const out = join(root, 'dist', 'dashboard');

if (!process.argv.includes('--no-check')) {
  // The typescript package's own bin, run by this Node: no npx, no PATH lookup.
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(src, 'tsconfig.json'), '--noEmit'], { stdio: 'inherit' });
  } catch {
    console.error('dashboard: type errors (see above)');
    process.exit(1);
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = { bundle: true, minify: true, logLevel: 'warning', legalComments: 'none' };
await build({
  ...common,
  entryPoints: [join(src, 'main.ts')],
  outfile: join(out, 'app.js'),
  format: 'iife',
  // Browsers of the last few years; uPlot itself targets ES2018+.
  target: ['es2020'],
  platform: 'browser',
});
await build({ ...common, entryPoints: [join(src, 'app.css')], outfile: join(out, 'app.css') });

copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
copyFileSync(join(src, 'favicon.svg'), join(out, 'favicon.svg'));
copyFileSync(join(dirname(require.resolve('uplot')), 'uPlot.min.css'), join(out, 'uPlot.min.css'));
console.log(`dashboard: built into ${out}`);
