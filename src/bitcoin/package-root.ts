/**
 * The package root: the nearest folder above a file with our package.json (name "p2pool").
 * Code runs from src/ under tsx and vitest and from dist/src/ when built, so paths to the
 * package's own files (the native addon, the dashboard, the version) are found by this walk
 * rather than by a fixed relative path. The one copy: in `bitcoin/` because every layer may
 * import it (docs/architecture.md#layers).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageRoot {
  dir: string;
  /** package.json's version ('unknown' when it has none). */
  version: string;
}

/** The package root above `from` (default: this file's folder), or null when there is none. */
export function findPackageRoot(from = dirname(fileURLToPath(import.meta.url))): PackageRoot | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown; version?: unknown };
        if (json.name === 'p2pool') return { dir, version: typeof json.version === 'string' ? json.version : 'unknown' };
      } catch {
        // unreadable or not ours: keep going up
      }
    }
    if (dirname(dir) === dir) return null;
  }
}
