/**
 * Host strings as the P2P layer sees them: normalising the IPv4-mapped IPv6 form Node's sockets
 * report (`::ffff:1.2.3.4`), loopback detection (never banned unless asked, docs/protocol.md#peers-addresses-and-bans), the
 * /16 "network group" used for connection diversity (JT `_host_to_ident`: the first two octets),
 * and `ADDR[:PORT]` parsing for `-n`.
 */
import { isIP } from 'node:net';

const MAPPED_PREFIX = '::ffff:';

/** `::ffff:1.2.3.4` -> `1.2.3.4`; other hosts lower-cased, unchanged otherwise. */
export function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  if (h.startsWith(MAPPED_PREFIX) && isIP(h.slice(MAPPED_PREFIX.length)) === 4) return h.slice(MAPPED_PREFIX.length);
  return h;
}

/** 127.0.0.0/8, ::1 and `localhost`: this machine. */
export function isLoopback(host: string): boolean {
  const h = normalizeHost(host);
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * The connection-diversity group: first two octets for IPv4 (reference `_host_to_ident`), the
 * first 32 bits for IPv6 (our choice: a /32 is the usual smallest provider allocation), the name
 * itself for a host name.
 */
export function hostGroup(host: string): string {
  const h = normalizeHost(host);
  if (isIP(h) === 4) return h.split('.').slice(0, 2).join('.');
  if (isIP(h) === 6) {
    const full = expandIpv6(h);
    return full.slice(0, 2).join(':');
  }
  return h;
}

function expandIpv6(h: string): string[] {
  const [head, tail] = h.includes('::') ? h.split('::') as [string, string] : [h, undefined];
  const a = head ? head.split(':') : [];
  const b = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array<string>(8 - a.length - b.length).fill('0');
  return [...a, ...zeros, ...b].map((g) => g.padStart(4, '0'));
}

export interface HostPort {
  host: string;
  port: number;
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address; throws a one-line Error when bad. */
export function parseHostPort(s: string, defaultPort: number): HostPort {
  const text = s.trim();
  let host = text;
  let port = defaultPort;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (isIP(text) !== 6) {
    const i = text.lastIndexOf(':');
    if (i >= 0) {
      host = text.slice(0, i);
      const p = text.slice(i + 1);
      if (!/^\d+$/.test(p)) throw new Error(`bad port in "${s}"`);
      port = Number(p);
    }
  }
  if (!host) throw new Error(`no host in "${s}"`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port in "${s}" (must be 1-65535)`);
  return { host: normalizeHost(host), port };
}

/** `host:port`, with brackets around IPv6. */
export function formatHostPort(hp: HostPort): string {
  return isIP(hp.host) === 6 ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
