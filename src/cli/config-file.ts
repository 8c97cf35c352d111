/**
 * The node's config file, in bitcoin.conf's style (docs/operations.md#the-config-file):
 *
 *     # comment
 *     net=bitcoin
 *     address=bc1q...
 *     worker-port=9332
 *     [testnet]
 *     worker-port=19332
 *
 * One `key=value` per line, keys named like the long options (node-options.ts). Options in a
 * `[network]` section apply only when that network runs, over the same key outside sections.
 * `#` at the start of a line, or after a space, starts a comment (so a `#` inside a password
 * written without spaces stays part of it).
 *
 * parseConfig is pure and bounded, so it can be fuzzed: it never reads a file, and every
 * problem is a ConfigError whose message starts `FILE:LINE: `.
 */
import { readSync, openSync, closeSync, fstatSync } from 'node:fs';
import { SHARECHAIN_NET_NAMES } from '../sharechain/networks.js';
import { optionSpec, valueProblem } from './node-options.js';

/** A config file of every key is ~2 KB; this leaves room for long comments and many `-n`. */
export const MAX_CONFIG_BYTES = 64 * 1024;
export const MAX_CONFIG_LINE = 4096;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** One setting: its value as written (checked against its kind) and where it was written. */
export interface ConfigSetting {
  key: string;
  /** One value, or every value in file order for a repeatable option. */
  values: string[];
  /** `FILE:LINE` of its (first) line, for later errors about the value. */
  where: string;
}

export interface ParsedConfig {
  file: string;
  /** Settings outside any section. */
  top: Map<string, ConfigSetting>;
  /** `[network]` sections by network name. */
  sections: Map<string, Map<string, ConfigSetting>>;
}

/** Printable characters and tabs only: a line with other control bytes is not text we wrote. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

export function parseConfig(text: string, fileName: string): ParsedConfig {
  const fail = (line: number, msg: string): never => {
    throw new ConfigError(`${fileName}:${line}: ${msg}`);
  };
  if (text.length > MAX_CONFIG_BYTES) fail(1, `file is larger than ${MAX_CONFIG_BYTES} bytes; is it a config file?`);
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const top = new Map<string, ConfigSetting>();
  const sections = new Map<string, Map<string, ConfigSetting>>();
  let scope = top;
  let section: string | null = null;
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (raw.length > MAX_CONFIG_LINE) fail(n, `line is longer than ${MAX_CONFIG_LINE} characters`);
    if (CONTROL.test(raw)) fail(n, 'line holds control characters; is it a text file?');
    const line = stripComment(raw).trim();
    if (line === '') continue;
    if (line.startsWith('[')) {
      const m = /^\[([A-Za-z0-9_-]+)\]$/.exec(line);
      if (!m) fail(n, `"${clip(line)}" is not a section header like [testnet]`);
      const name = m![1]!;
      if (!SHARECHAIN_NET_NAMES.includes(name)) {
        fail(n, `unknown network section [${clip(name)}] (valid: ${SHARECHAIN_NET_NAMES.join(', ')})`);
      }
      section = name;
      scope = sections.get(name) ?? new Map<string, ConfigSetting>();
      sections.set(name, scope);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) fail(n, `"${clip(line)}" is not key=value (a flag is written key=1)`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const spec = optionSpec(key);
    if (!spec) {
      const hint = key === 'conf' ? ' (a config file cannot name another one)' : key.startsWith('-') ? ' (write keys without dashes)' : '';
      fail(n, `unknown key "${clip(key)}"${hint}`);
    }
    if (section !== null && spec!.topLevelOnly) fail(n, `${key} cannot be set inside [${section}]: it applies to the whole file`);
    const problem = valueProblem(spec!.kind, value);
    if (problem !== null) fail(n, `${key} ${problem}${spec!.secret ? '' : `, got "${clip(value)}"`}`);
    const where = `${fileName}:${n}`;
    const existing = scope.get(key);
    if (existing && !spec!.repeatable) fail(n, `${key} is already set at ${existing.where}`);
    if (existing) existing.values.push(value);
    else scope.set(key, { key, values: [value], where });
  }
  return { file: fileName, top, sections };
}

/** The settings in force on `network`: the file's top level, then that network's section over it. */
export function settingsFor(config: ParsedConfig, network: string): Map<string, ConfigSetting> {
  const out = new Map(config.top);
  for (const [k, v] of config.sections.get(network) ?? []) out.set(k, v);
  return out;
}

function stripComment(line: string): string {
  if (/^\s*#/.test(line)) return '';
  const m = /\s#/.exec(line);
  return m ? line.slice(0, m.index) : line;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Read a config file with a bound on its size (never more than MAX_CONFIG_BYTES + 1 bytes), as
 * UTF-8. `missingOk`: a file that does not exist is null (DATADIR/p2pool.conf is optional;
 * a file named by --conf is not).
 */
export function readConfigText(path: string, missingOk: boolean): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    if (missingOk && (code === 'ENOENT' || code === 'ENOTDIR')) return null;
    throw new ConfigError(`${path}: cannot read the config file (${code})`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new ConfigError(`${path}: the config file is not a regular file`);
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let len = 0;
    for (;;) {
      const got = readSync(fd, buf, len, buf.length - len, null);
      if (got === 0) break;
      len += got;
      if (len === buf.length) throw new ConfigError(`${path}:1: file is larger than ${MAX_CONFIG_BYTES} bytes; is it a config file?`);
    }
    const text = buf.subarray(0, len).toString('utf8');
    if (text.includes('\uFFFD')) throw new ConfigError(`${path}:${1 + (text.slice(0, text.indexOf('\uFFFD')).match(/\n/g)?.length ?? 0)}: not UTF-8 text`);
    return text;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${path}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  } finally {
    closeSync(fd);
  }
}
