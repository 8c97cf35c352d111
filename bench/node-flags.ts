import { readFileSync } from 'node:fs';
import { repoPath } from './repo-path.js';

/**
 * The V8 flags the `p2pool` executable runs with: its first line (`#!/usr/bin/env -S node
 * FLAGS`, src/cli/main.ts). The memory bench's child runs with them, and `npm run bench` runs
 * every section with them (bench/run.ts), so that what is measured is the process an operator
 * runs.
 */
export function nodeExecutableFlags(): string[] {
  const first = readFileSync(repoPath('src/cli/main.ts'), 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env (?:-S )?node((?: --[\w-]+(?:=\S+)?)*)$/.exec(first);
  if (!m) throw new Error(`bench: cannot read the node flags from src/cli/main.ts's first line: ${first}`);
  return m[1]!.split(' ').filter((f) => f !== '');
}

/**
 * The parent's execArgv without the node's flags (nodeExecutableFlags), for a child that plays
 * the miners (bench/mining-load.ts, bench/soak-load.ts): the load generator is not the node, and
 * runs with V8's defaults, for ours and the floors alike.
 */
export function withoutNodeFlags(execArgv: readonly string[]): string[] {
  const names = new Set(nodeExecutableFlags().map((f) => f.split('=')[0]));
  return execArgv.filter((a) => !names.has(a.split('=')[0]));
}
