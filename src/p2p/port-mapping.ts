/**
 * UPnP IGD / NAT-PMP mapping of the P2P port on the local router, so peers can connect in (the
 * reference maps it by UPnP unless `--disable-upnp`, and re-adds it every ~2 minutes).
 *
 * NAT-PMP (RFC 6886) is asked first: one datagram to the default gateway, answered in
 * milliseconds by routers that speak it. Otherwise UPnP: SSDP search, description, SOAP
 * AddPortMapping. Mappings are leased (NAT-PMP 1 hour, UPnP 1 hour, or permanent where the
 * router only allows that) and renewed at half the lease; close() removes them.
 *
 * Failure is ONE log line and a null result, never an error: most hosts are not behind a
 * router that maps ports, and the node works without incoming connections. The node runs this
 * in the background, so no timeout here delays its startup.
 */
import { defaultGateway } from './default-gateway.js';
import { natPmpMap, natPmpUnmap, type NatPmpTarget } from './nat-pmp.js';
import {
  discoverGateway, localAddressToward, upnpAddPortMapping, upnpDeletePortMapping, UpnpSoapError, type Gateway, type SsdpTarget,
} from './upnp-igd.js';
import { ONLY_PERMANENT_LEASES } from './upnp-messages.js';

export interface PortMapping {
  /** 'NAT-PMP' or 'UPnP'. */
  readonly method: string;
  readonly externalPort: number;
  /** Remove the mapping (best effort, bounded, never throws). */
  close(): Promise<void>;
}

export interface PortMappingOptions {
  /** NAT-PMP gateway; default the default gateway (/proc/net/route); null skips NAT-PMP. */
  gateway?: string | null;
  /** NAT-PMP port on the gateway (tests). */
  natPmpPort?: number;
  /** Where the SSDP search goes (tests); null skips UPnP. */
  ssdp?: SsdpTarget | null;
  /** Lease asked for, seconds; renewed at half of what is granted. */
  leaseSeconds?: number;
  /** Upper bound on each method's attempt (the SSDP wait, each HTTP exchange). */
  timeoutMs?: number;
  description?: string;
}

type Log = (level: 'info' | 'warn', msg: string) => void;

/** One hour: long enough that renewals are rare, short enough that a crashed node's mapping goes. */
const DEFAULT_LEASE_S = 3_600;

export async function mapPort(port: number, log: Log, opts: PortMappingOptions = {}): Promise<PortMapping | null> {
  const lease = opts.leaseSeconds ?? DEFAULT_LEASE_S;
  const problems: string[] = [];
  if (port <= 0 || port > 0xffff) {
    log('warn', `port mapping skipped: no P2P port to map (${port})`);
    return null;
  }
  const gateway = opts.gateway === undefined ? await defaultGateway() : opts.gateway;
  if (gateway !== null) {
    const target: NatPmpTarget = { gateway, port: opts.natPmpPort, attempts: opts.timeoutMs !== undefined ? attemptsWithin(opts.timeoutMs) : undefined };
    try {
      const m = await natPmpMapping(target, port, lease);
      log('info', `P2P port ${port} mapped on the router ${gateway} by NAT-PMP (external port ${m.externalPort})`);
      return m;
    } catch (e) {
      problems.push(`NAT-PMP: ${message(e)}`);
    }
  }
  if (opts.ssdp !== null) {
    try {
      const m = await upnpMapping({ ...opts.ssdp, timeoutMs: opts.ssdp?.timeoutMs ?? opts.timeoutMs }, port, lease, opts.description ?? 'p2pool', opts.timeoutMs ?? 3_000);
      log('info', `P2P port ${port} mapped on the router ${m.host} by UPnP (external port ${m.externalPort}${m.permanent ? ', permanent lease' : ''})`);
      return m;
    } catch (e) {
      problems.push(`UPnP: ${message(e)}`);
    }
  }
  log('warn', `P2P port ${port} not mapped on a router (${problems.join('; ') || 'no method to try'}): forward it by hand for incoming peers`);
  return null;
}

/** NAT-PMP retransmissions (250 ms doubling) that fit in `ms`. */
function attemptsWithin(ms: number): number {
  let n = 0;
  for (let total = 0, d = 250; total + d <= ms; total += d, d *= 2) n++;
  return Math.max(1, n);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A renewal timer that never keeps the process alive. */
function every(ms: number, fn: () => Promise<void>): NodeJS.Timeout {
  const t = setInterval(() => void fn().catch(() => {}), ms);
  t.unref();
  return t;
}

async function natPmpMapping(target: NatPmpTarget, port: number, lease: number): Promise<PortMapping> {
  const first = await natPmpMap(target, port, lease);
  // RFC 6886 §3.3: renew at half the granted lifetime.
  const timer = every(Math.max(60, first.lifetime / 2) * 1000, async () => {
    await natPmpMap(target, port, lease);
  });
  return {
    method: 'NAT-PMP',
    externalPort: first.externalPort,
    close: async () => {
      clearInterval(timer);
      await natPmpUnmap({ ...target, attempts: 2 }, port).catch(() => {});
    },
  };
}

async function upnpMapping(ssdp: SsdpTarget, port: number, lease: number, description: string, timeoutMs: number): Promise<PortMapping & { host: string; permanent: boolean }> {
  const gw: Gateway = await discoverGateway(ssdp);
  const internalClient = await localAddressToward(gw.host, 1900);
  const args = { externalPort: port, internalPort: port, internalClient, description, leaseSeconds: lease };
  try {
    await upnpAddPortMapping(gw, args, timeoutMs);
  } catch (e) {
    // IGD:1 routers may only allow permanent mappings (error 725): take one, removed at close.
    if (!(e instanceof UpnpSoapError && e.code === ONLY_PERMANENT_LEASES)) throw e;
    args.leaseSeconds = 0;
    await upnpAddPortMapping(gw, args, timeoutMs);
  }
  const timer = args.leaseSeconds > 0 ? every((args.leaseSeconds / 2) * 1000, () => upnpAddPortMapping(gw, args, timeoutMs)) : undefined;
  return {
    method: 'UPnP',
    externalPort: port,
    host: gw.host,
    permanent: args.leaseSeconds === 0,
    close: async () => {
      clearInterval(timer);
      await upnpDeletePortMapping(gw, port, Math.min(timeoutMs, 2_000)).catch(() => {});
    },
  };
}
