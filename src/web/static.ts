/**
 * The dashboard's static files (built by scripts/build-dashboard.mjs into dist/dashboard),
 * served at `/` on the worker port. GET and HEAD only; a path the build does not hold returns
 * false, so the worker port answers its own 404. Files are read once and kept in memory (the
 * whole bundle is ~100 kB) and re-read when their mtime changes, so a rebuild is picked up
 * without a restart. Every response carries an ETag: browsers revalidate (`no-cache`) and get
 * a 304 when nothing changed.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { findPackageRoot } from '../bitcoin/package-root.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The dashboard loads nothing from elsewhere: the policy makes a stray external request fail
 * in the browser. uPlot sets inline styles on its elements, hence 'unsafe-inline' for styles.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Longest URL path we look at; anything longer is not one of our files. */
const MAX_PATH = 256;

interface CachedFile {
  body: Buffer;
  etag: string;
  mtimeMs: number;
  lastModified: string;
}

/** The package root (src/bitcoin/package-root.ts); throws when there is none. */
export function packageRoot(from?: string): string {
  const root = findPackageRoot(from);
  if (root === null) throw new Error('dashboard: package root not found');
  return root.dir;
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** A handler serving the files under `root` (`/` -> index.html). */
export function createStaticHandler(root: string): StaticHandler {
  const base = resolve(root);
  const cache = new Map<string, CachedFile>();

  const load = (file: string): CachedFile | null => {
    let st;
    try {
      st = statSync(file);
    } catch {
      return null;
    }
    if (!st.isFile()) return null;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs) return hit;
    const body = readFileSync(file);
    const entry: CachedFile = {
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      mtimeMs: st.mtimeMs,
      lastModified: st.mtime.toUTCString(),
    };
    cache.set(file, entry);
    return entry;
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const file = resolvePath(base, req.url ?? '/');
    if (!file) return false;
    const entry = load(file);
    if (!entry) return false;
    const headers: Record<string, string> = {
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      ETag: entry.etag,
      'Last-Modified': entry.lastModified,
      // File names are not content-hashed: always revalidate (a 304 costs one round trip).
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': CSP,
      'Referrer-Policy': 'no-referrer',
    };
    if (req.headers['if-none-match'] === entry.etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    headers['Content-Length'] = String(entry.body.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : entry.body);
    return true;
  };
}

/**
 * URL -> a file strictly inside `base`, or null. The path is percent-decoded once; NULs,
 * backslashes, dot segments and anything resolving outside `base` are refused outright
 * (never normalised into something else).
 */
export function resolvePath(base: string, url: string): string | null {
  const raw = url.split(/[?#]/, 1)[0]!;
  if (raw.length > MAX_PATH || !raw.startsWith('/')) return null;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) return null;
  if (path === '/') return join(base, 'index.html');
  if (path.endsWith('/')) return null;
  const file = resolve(base, ...segments);
  return file.startsWith(base + sep) ? file : null;
}

let defaultHandler: StaticHandler | null = null;

/** The worker port's hook: the built dashboard in <package root>/dist/dashboard. */
export function serveDashboard(req: IncomingMessage, res: ServerResponse): boolean {
  defaultHandler ??= createStaticHandler(join(packageRoot(), 'dist', 'dashboard'));
  return defaultHandler(req, res);
}
