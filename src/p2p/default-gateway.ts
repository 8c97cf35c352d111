/**
 * The IPv4 default gateway, where NAT-PMP requests go (RFC 6886 §3: "the client sends its
 * request to the default gateway"). Read from Linux's /proc/net/route; on other systems there
 * is no such file and NAT-PMP is skipped quietly (UPnP's multicast search still runs).
 */
import { readFile } from 'node:fs/promises';

/** RTF_UP | RTF_GATEWAY (linux/route.h): the route is usable and goes through a gateway. */
const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;
/** /proc/net/route is one line per route; a host with more than this is not one we map for. */
const MAX_ROUTE_BYTES = 256 * 1024;

/**
 * The default gateway in a /proc/net/route table: the usable route with destination and mask
 * 0.0.0.0 through a gateway, lowest metric first. Addresses there are the kernel's u32 in host
 * (little-endian on every Linux we run on) byte order, printed as 8 hex digits.
 */
export function parseDefaultGateway(table: string): string | null {
  let best: { ip: string; metric: number } | null = null;
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [, dest, gw, flagsHex, , , metricDec, mask] = f as [string, string, string, string, string, string, string, string];
    if (dest !== '00000000' || mask !== '00000000' || !/^[0-9A-Fa-f]{8}$/.test(gw)) continue;
    const flags = parseInt(flagsHex, 16);
    if (!(flags & RTF_UP) || !(flags & RTF_GATEWAY)) continue;
    const n = parseInt(gw, 16);
    if (n === 0) continue;
    const ip = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
    const metric = Number.parseInt(metricDec, 10);
    if (best === null || metric < best.metric) best = { ip, metric: Number.isFinite(metric) ? metric : Infinity };
  }
  return best?.ip ?? null;
}

/** The default gateway of this host, or null (not Linux, no default route, unreadable). */
export async function defaultGateway(routeFile = '/proc/net/route'): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  try {
    const text = await readFile(routeFile, 'utf8');
    return text.length > MAX_ROUTE_BYTES ? null : parseDefaultGateway(text);
  } catch {
    return null;
  }
}
