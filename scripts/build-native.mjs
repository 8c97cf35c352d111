// Builds the optional native SHA-256 addon (native/, docs/operations.md "Native SHA-256") as
// the package's `install` script. It never fails the install: without a C compiler, python3
// or make the node runs on its JavaScript SHA-256, and this prints one line saying so.
// P2POOL_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const nativeDir = join(root, 'native');
const addon = join(nativeDir, 'build', 'Release', 'p2pool_sha256.node');
const logFile = join(nativeDir, 'build-native.log');
const FALLBACK = 'falling back to JavaScript SHA-256; install a C compiler (with make and python3) for ~3x cheaper Stratum submits';

/**
 * How to run node-gyp: npm names its own in npm_config_node_gyp and puts a `node-gyp` shim on
 * PATH for lifecycle scripts; run by hand, use the copy bundled with the npm beside this node.
 */
function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, [fromNpm]];
  const bundled = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, [bundled]];
  return ['node-gyp', []];
}

/**
 * Node's headers: npm's `nodedir` setting reaches node-gyp as npm_config_nodedir by itself;
 * otherwise the running node's own install prefix when it ships them (Debian's nodejs and
 * the official tarballs do), so the build needs no download.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (process.env.P2POOL_SKIP_NATIVE === '1') {
    console.log('native SHA-256: skipped (P2POOL_SKIP_NATIVE=1); the node uses its JavaScript SHA-256');
    return;
  }
  const [cmd, pre] = nodeGypCommand();
  const run = spawnSync(cmd, [...pre, 'rebuild', ...nodedirArgs()], {
    cwd: nativeDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32' && cmd === 'node-gyp',
    timeout: 10 * 60_000,
  });
  const log = `${run.error ? `${run.error.message}\n` : ''}${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.status !== 0 || !existsSync(addon)) {
    writeFileSync(logFile, log);
    const why = run.error ? run.error.message : `node-gyp exited with ${run.status ?? run.signal}`;
    console.warn(`native SHA-256: build failed (${why}, log in native/build-native.log); ${FALLBACK}`);
    return;
  }
  try {
    // Load it once here so a build that cannot load says so now, not at the node's startup.
    const backend = createRequire(import.meta.url)(addon).backend();
    rmSync(logFile, { force: true });
    console.log(`native SHA-256: built native/build/Release/p2pool_sha256.node (${backend})`);
  } catch (e) {
    writeFileSync(logFile, `${log}\n${String(e)}\n`);
    console.warn(`native SHA-256: built but does not load (${e instanceof Error ? e.message : String(e)}); ${FALLBACK}`);
  }
}

main();
