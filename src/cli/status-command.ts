/**
 * `p2pool status [peers|miners] [--watch] [--json] [--url URL]`: how a running node is doing,
 * read from its API on the worker port (`/web/status`, docs/api.md) and shown on one screen
 * of at most 80 columns (status-screen.ts). Without --url it asks this machine's node: the
 * worker port from the same config file and options the node reads (DATADIR/p2pool.conf,
 * --conf, --net, -w), else the network's default port.
 */
import { join } from 'node:path';
import { homedir } from 'node:os';
import { Option, type Command } from 'commander';
import { CHAIN_NAMES } from '../bitcoin/chain-params.js';
import { FAIR_NET_NAMES } from '../sharechain/fair/networks.js';
import { parseConfig, readConfigText } from './config-file.js';
import { resolveSettings } from './node-settings.js';
import { renderMiners, renderPeers, renderStatus, WIDTH } from './status-screen.js';

/** A status object is a few KB per hundred peers or miners; more is not a node's answer. */
const MAX_STATUS_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 5_000;
export const WATCH_INTERVAL_S = 5;

interface StatusFlags {
  url?: string;
  watch?: boolean;
  json?: boolean;
  interval: string;
  net?: string;
  testnet?: boolean;
  regtest?: boolean;
  conf?: string;
  datadir?: string;
  workerPort?: string;
}

export class StatusError extends Error {
  override readonly name = 'StatusError';
}

/** The node's base URL when --url is not given: this machine, the worker port the node uses. */
function defaultUrl(cmd: Command, flags: StatusFlags): string {
  const datadir = flags.datadir ?? join(homedir(), '.p2pool');
  const confPath = flags.conf ?? join(datadir, 'p2pool.conf');
  const text = readConfigText(confPath, flags.conf === undefined);
  const config = text === null ? null : parseConfig(text, confPath);
  const given = (k: string): boolean => cmd.getOptionValueSource(k) === 'cli';
  const s = resolveSettings({ values: { ...flags }, given }, config);
  const host = s.workerHost === '0.0.0.0' || s.workerHost === '::' ? '127.0.0.1' : s.workerHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${s.workerPort}/`;
}

/** GET base + /web/status, bounded in time and size. */
export async function fetchStatus(base: string): Promise<unknown> {
  let url: URL;
  try {
    url = new URL('web/status', base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new StatusError(`--url must be an http:// URL, got "${base.slice(0, 100)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new StatusError(`--url must be an http:// URL, got "${base.slice(0, 100)}"`);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' } });
  } catch (e) {
    const c = (e as { cause?: { code?: string; message?: string } }).cause;
    const cause = c?.code ?? c?.message ?? (e instanceof Error && e.name === 'TimeoutError' ? `no answer in ${TIMEOUT_MS / 1000} s` : e instanceof Error ? e.message : String(e));
    throw new StatusError(`cannot reach the node at ${base} (${cause}): is it running? (--url for another node)`);
  }
  if (res.status === 404) throw new StatusError(`${base} has no /web/status: is it a p2pool node of this version?`);
  if (!res.ok) throw new StatusError(`${base} answered HTTP ${res.status}`);
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_STATUS_BYTES) {
        await reader.cancel();
        throw new StatusError(`${base} sent more than ${MAX_STATUS_BYTES} bytes of status`);
      }
      chunks.push(value);
    }
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new StatusError(`${base} did not answer JSON: is it a p2pool node?`);
  }
}

type View = 'status' | 'peers' | 'miners';

/** Words into lines of at most `width` columns (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function render(view: View, status: unknown, url: string): string[] {
  if (view === 'peers') return renderPeers(status);
  if (view === 'miners') return renderMiners(status);
  return renderStatus(status, url, Date.now() / 1000);
}

function jsonOf(view: View, status: unknown): unknown {
  const s = (typeof status === 'object' && status !== null ? status : {}) as Record<string, unknown>;
  if (view === 'peers') return (s['peers'] as Record<string, unknown> | undefined)?.['list'] ?? [];
  if (view === 'miners') return s['miners'] ?? [];
  return status;
}

async function run(view: View, cmd: Command, flags: StatusFlags): Promise<void> {
  const url = flags.url ?? defaultUrl(cmd, flags);
  if (!flags.watch) {
    const status = await fetchStatus(url);
    process.stdout.write(flags.json ? `${JSON.stringify(jsonOf(view, status), null, 2)}\n` : `${render(view, status, url).join('\n')}\n`);
    return;
  }
  const interval = Number(flags.interval);
  if (!Number.isFinite(interval) || interval < 1 || interval > 3600) throw new StatusError(`--interval must be 1 to 3600 seconds, got "${flags.interval}"`);
  const tty = process.stdout.isTTY === true && !flags.json;
  let stopped = false;
  let wake: (() => void) | null = null;
  const onInt = (): void => {
    stopped = true;
    wake?.();
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onInt);
  if (tty) process.stdout.write('\x1b[?25l'); // hide the cursor while redrawing
  try {
    while (!stopped) {
      let text: string;
      try {
        const status = await fetchStatus(url);
        text = flags.json ? JSON.stringify(jsonOf(view, status)) : render(view, status, url).join('\n');
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        text = flags.json ? JSON.stringify({ error: e.message }) : `${wrap(e.message, WIDTH).join('\n')}\n(retrying every ${interval} s; Ctrl-C to stop)`;
      }
      // In place on a terminal: home, the screen, clear what the last screen left below.
      process.stdout.write(tty ? `\x1b[H\x1b[2J${text}\n` : `${text}\n${flags.json ? '' : '\n'}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, interval * 1000);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onInt);
    if (tty) process.stdout.write('\x1b[?25h');
  }
}

export function registerStatusCommand(program: Command): void {
  const status = program
    .command('status')
    .description("how a running node is doing: sync, hash rates, shares, blocks, peers, miners, warnings (reads its API on the worker port)")
    .argument('[view]', 'peers or miners for their tables; nothing for the main screen')
    .option('--url <URL>', "the node's worker port URL (default: this machine's node, e.g. http://127.0.0.1:9332/)")
    .option('--watch', 'redraw every few seconds until Ctrl-C')
    .option('--interval <SECONDS>', 'with --watch: seconds between redraws', String(WATCH_INTERVAL_S))
    .option('--json', 'print the raw object(s) the screen is made from')
    .addOption(new Option('--net <name>', 'network of the node, for its default worker port').choices([...CHAIN_NAMES, ...FAIR_NET_NAMES]))
    .option('--testnet', "the network's testnet")
    .option('--regtest', 'the same as --net regtest')
    .option('-w, --worker-port <PORT>', "the node's worker port (default: from its config file, else the network's)")
    .option('--conf <FILE>', "the node's config file (default: DATADIR/p2pool.conf)")
    .option('--datadir <DIR>', "the node's data directory (default: ~/.p2pool)")
    .action(async (view: string | undefined, flags: StatusFlags) => {
      const v = view ?? 'status';
      if (v !== 'status' && v !== 'peers' && v !== 'miners') throw new StatusError(`unknown status view "${v.slice(0, 40)}": use peers, miners or nothing`);
      await run(v, status, flags);
    });
}
