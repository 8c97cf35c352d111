import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ShareStore } from '../../src/sharechain/store.js';

const child = fileURLToPath(new URL('../support/store-writer-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Run the writer child, SIGKILL it once it has reported `atLeast` shares; return what it reported. */
function runAndKill(db: string, atLeast: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, db], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && out.split('\n').length > atLeast) {
        killed = true;
        proc.kill('SIGKILL');
      }
    });
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child exited by itself: ${err}`));
      // A partially written last line was never fully reported: ignore it.
      const lines = out.split('\n');
      lines.pop();
      resolve(lines.filter((l) => l.startsWith('stored ')).map((l) => l.slice(7)));
    });
  });
}

describe('share store under kill -9', () => {
  it('reopens cleanly and holds every share the killed writer reported stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pool-store-crash-'));
    dirs.push(dir);
    const db = join(dir, 'shares.sqlite');
    let expected: string[] = [];
    for (const atLeast of [300, 900]) {
      // Twice: the second run starts from the database the first kill left behind.
      const reported = await runAndKill(db, atLeast);
      expect(reported.length).toBeGreaterThanOrEqual(atLeast);
      expected = expected.concat(reported);
      const logs: string[] = [];
      const store = ShareStore.open(db, { log: (m) => logs.push(m) });
      const have = new Set(store.loadShares('regtest').map((s) => s.hash));
      store.close();
      const missing = expected.filter((h) => !have.has(h));
      expect(missing).toEqual([]);
      expect(logs).toEqual([]);
    }
  }, 60_000);
});
