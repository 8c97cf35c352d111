/**
 * Every rule the code relies on is stated in the repository's own docs, and the code cites
 * them there (`docs/sharechain.md#pplns`). This test reads every source, test, bench, demo,
 * dashboard and native file, the README and docs/*.md, and fails on:
 * - a citation of a document outside the repository: "reference §N", a bare "§N" in a file
 *   that cites no public standard (RFC, BIP, FIPS, UDA), ARCHITECTURE.md, the shared folder;
 * - a `NAME.md` or `NAME.md#anchor` that names no file of the repository or no heading in it
 *   (anchors as GitHub makes them from headings).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DIRS = ['src', 'bench', 'demo', 'dashboard', 'scripts', 'native', 'test'];
const EXTENSIONS = /\.(ts|mts|js|mjs|c|h)$/;

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name === 'build' || p === join(root, 'test', 'fixtures')) continue;
      walk(p, out);
    } else if (EXTENSIONS.test(e.name)) {
      out.push(p);
    }
  }
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fence = !fence;
    if (fence) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Where a cited `.md` lives: a path from the repository root, else docs/, else test/fixtures/. */
function resolveDoc(name: string): string | null {
  for (const candidate of [name, join('docs', name), join('test', 'fixtures', name)]) {
    const p = join(root, candidate);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

const docs = [join(root, 'README.md'), ...readdirSync(join(root, 'docs')).filter((n) => n.endsWith('.md')).map((n) => join(root, 'docs', n))];
const files = [...DIRS.flatMap((d) => walk(join(root, d))), ...docs];
const THIS_FILE = fileURLToPath(import.meta.url);

describe('citations in the code', () => {
  it('cite nothing outside the repository', () => {
    const problems: string[] = [];
    for (const f of files) {
      if (f === THIS_FILE) continue;
      const text = readFileSync(f, 'utf8');
      const citesStandard = /\b(RFC|BIP|FIPS|UDA)\b/.test(text);
      text.split('\n').forEach((line, i) => {
        const at = `${relative(root, f)}:${i + 1}`;
        if (/reference('s)?\s*§/i.test(line)) problems.push(`${at}: "reference §": cite docs/*.md#anchor`);
        else if (/§/.test(line) && !citesStandard) problems.push(`${at}: a bare "§" in a file that cites no public standard`);
        if (/ARCHITECTURE\.md/.test(line)) problems.push(`${at}: ARCHITECTURE.md is not in the repository: cite docs/architecture.md`);
        if (/\.\.\/shared\b|shared\/(reference|design|testdata)|p2pool-reference\.md/.test(line)) problems.push(`${at}: the shared folder is not in the repository`);
      });
    }
    expect(problems).toEqual([]);
  });

  it('name documents and anchors that exist', () => {
    const anchors = new Map<string, Set<string>>();
    const problems: string[] = [];
    let checked = 0;
    for (const f of files) {
      if (f === THIS_FILE) continue;
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/([A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md)(#[A-Za-z0-9_-]+)?/g)) {
        const [, name, hash] = m;
        if (name === 'ARCHITECTURE.md' || name!.endsWith('p2pool-reference.md')) continue; // reported above
        const line = text.slice(0, m.index).split('\n').length;
        const at = `${relative(root, f)}:${line}`;
        const doc = resolveDoc(name!);
        if (doc === null) {
          problems.push(`${at}: ${name} is not a file of the repository`);
          continue;
        }
        checked++;
        if (hash === undefined) continue;
        if (!anchors.has(doc)) anchors.set(doc, anchorsOf(readFileSync(doc, 'utf8')));
        if (!anchors.get(doc)!.has(hash.slice(1))) problems.push(`${at}: ${name}${hash} names no heading of ${relative(root, doc)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('anchors are made as GitHub makes them', () => {
    const a = anchorsOf('# Title\n## `mining.submit` answers\n```\n# not a heading\n```\n## P2Pool networks (sharechains)\n## Title\n### Fees and donation\n');
    expect([...a]).toEqual(['title', 'miningsubmit-answers', 'p2pool-networks-sharechains', 'title-1', 'fees-and-donation']);
  });
});
