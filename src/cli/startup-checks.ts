/**
 * The checks on files made before the node starts (docs/operations.md#startup-checks): the data
 * directory can be used, the log file can be written, bitcoind's cookie can be read. They only
 * look: nothing is created, so a node that refuses to start leaves the data directory as it
 * was. Each problem is one line saying what to fix.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readCookie } from '../chain/rpc-client.js';
import type { NodeSettings } from './node-settings.js';

export class StartupCheckError extends Error {
  override readonly name = 'StartupCheckError';
}

/** The path's file status, or null when nothing is there. */
function statOrNull(path: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw new StartupCheckError(`${path} cannot be used: a part of the path is a file, not a directory`);
    throw new StartupCheckError(`${path} cannot be used (${code ?? String(e)})`);
  }
}

function can(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * A directory the node will create or write into: when it exists it must be a directory it can
 * read, write and enter; when it does not, the nearest existing parent must let it be created.
 */
function checkWritableDir(path: string, what: string): void {
  const st = statOrNull(path);
  if (st) {
    if (!st.isDirectory()) throw new StartupCheckError(`${what} ${path} is not a directory`);
    if (!can(path, constants.R_OK | constants.W_OK | constants.X_OK)) {
      throw new StartupCheckError(`${what} ${path} cannot be read and written by this user (check its owner and mode)`);
    }
    return;
  }
  let parent = dirname(path);
  for (;;) {
    const p = statOrNull(parent);
    if (p) {
      if (!p.isDirectory()) throw new StartupCheckError(`${what} ${path} cannot be created: ${parent} is not a directory`);
      if (!can(parent, constants.W_OK | constants.X_OK)) throw new StartupCheckError(`${what} ${path} cannot be created: ${parent} is not writable by this user`);
      return;
    }
    const up = dirname(parent);
    if (up === parent) return;
    parent = up;
  }
}

export function checkFiles(s: NodeSettings): void {
  checkWritableDir(s.datadir, 'data directory');
  const netDir = join(s.datadir, s.net.name);
  checkWritableDir(netDir, 'data directory');
  for (const f of ['shares.sqlite', 'stats.sqlite', 'cached_payout_address']) {
    const path = join(netDir, f);
    const st = statOrNull(path);
    if (st && (!st.isFile() || !can(path, constants.R_OK | constants.W_OK))) {
      throw new StartupCheckError(`${path} cannot be read and written by this user (check its owner and mode)`);
    }
  }
  const log = statOrNull(s.logfile);
  if (log) {
    if (!log.isFile() || !can(s.logfile, constants.W_OK)) throw new StartupCheckError(`log file ${s.logfile} cannot be written by this user`);
  } else {
    checkWritableDir(dirname(s.logfile), 'log directory');
  }
  if (s.bitcoind.auth.kind === 'cookie') {
    const file = s.bitcoind.auth.cookieFile;
    const st = statOrNull(file);
    if (st?.isDirectory()) throw new StartupCheckError(`the RPC cookie file ${file} is a directory; give --bitcoind-cookie FILE or --bitcoind-datadir DIR`);
    try {
      readCookie(file);
    } catch (e) {
      throw new StartupCheckError(e instanceof Error ? e.message : String(e));
    }
  }
}
