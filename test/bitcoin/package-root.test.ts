import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPackageRoot } from '../../src/bitcoin/package-root.js';

describe('findPackageRoot (the one walk up to our package.json)', () => {
  it('finds this repository from the source tree, with its version', () => {
    const root = findPackageRoot();
    const pkg = JSON.parse(readFileSync(join(root!.dir, 'package.json'), 'utf8')) as { name: string; version: string };
    expect(pkg.name).toBe('p2pool');
    expect(root!.version).toBe(pkg.version);
  });

  it('skips a package.json that is not ours or not JSON, and answers null above every root', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pool-root-'));
    try {
      mkdirSync(join(dir, 'a', 'b', 'c'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p2pool', version: '9.9.9' }));
      writeFileSync(join(dir, 'a', 'package.json'), '{ not json');
      writeFileSync(join(dir, 'a', 'b', 'package.json'), JSON.stringify({ name: 'other' }));
      expect(findPackageRoot(join(dir, 'a', 'b', 'c'))).toEqual({ dir, version: '9.9.9' });
      expect(findPackageRoot(tmpdir())).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
