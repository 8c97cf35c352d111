/**
 * UPnP IGD client on node:dgram and node:http: find the router by SSDP, read its description,
 * and call AddPortMapping / DeletePortMapping on its WANIPConnection (or WANPPPConnection)
 * service. Texts are built and parsed in upnp-messages.ts.
 *
 * Bounds: the search waits at most `timeoutMs`; every HTTP exchange has its own deadline and a
 * body cap (descriptions are a few KB, SOAP answers well under one). A search answer is used
 * only when its LOCATION names the address the answer came from, so a device on the LAN cannot
 * point us at some other host.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { request } from 'node:http';
import {
  addPortMappingArgs, deletePortMappingArgs, parseIgdDescription, parseSoapFault, parseSsdpResponse,
  soapRequest, ssdpSearchRequest, SSDP_ADDRESS, SSDP_PORT, SSDP_SEARCH_TARGETS, type PortMappingArgs, type WanService,
} from './upnp-messages.js';

/** Description documents are a few KB; more is not a router's. */
const MAX_DESCRIPTION_BYTES = 256 * 1024;
/** SOAP answers to our calls are a few hundred bytes. */
const MAX_SOAP_BYTES = 64 * 1024;
/** UDA 1.1 §1.3.2: TTL for SSDP multicast should default to 2. */
const SSDP_TTL = 2;

export class UpnpError extends Error {
  override readonly name = 'UpnpError';
}

export interface SsdpTarget {
  /** Default the SSDP multicast group; tests point it at a fake gateway on 127.0.0.1. */
  address?: string;
  port?: number;
  timeoutMs?: number;
}

export interface Gateway {
  service: WanService;
  /** The address the gateway answered from (the host of every URL used). */
  host: string;
}

/** Search by SSDP and read the first answering device's description. */
export async function discoverGateway(target: SsdpTarget = {}): Promise<Gateway> {
  const timeoutMs = target.timeoutMs ?? 3_000;
  const deadline = Date.now() + timeoutMs;
  const found = await ssdpSearch(target.address ?? SSDP_ADDRESS, target.port ?? SSDP_PORT, timeoutMs);
  const { body } = await httpExchange(found.location, { method: 'GET', maxBytes: MAX_DESCRIPTION_BYTES, timeoutMs: Math.max(500, deadline - Date.now()) });
  const service = parseIgdDescription(body, found.location);
  if (!service) throw new UpnpError(`${found.location} describes no WANIPConnection/WANPPPConnection service`);
  if (new URL(service.controlUrl).hostname !== found.host) throw new UpnpError(`control URL ${service.controlUrl} is not on the gateway ${found.host}`);
  return { service, host: found.host };
}

/** First SSDP answer with a usable LOCATION on the answering host. */
function ssdpSearch(address: string, port: number, timeoutMs: number): Promise<{ location: string; host: string }> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    let ignored = 0;
    const timer = setTimeout(() => finish(new UpnpError(`no UPnP gateway answered the SSDP search within ${timeoutMs} ms${ignored ? ` (${ignored} unusable answers)` : ''}`)), timeoutMs);
    let settled = false;
    const finish = (err: Error | null, value?: { location: string; host: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(value!);
    };
    socket.on('message', (msg: Buffer, from: RemoteInfo) => {
      const r = msg.length <= 8192 ? parseSsdpResponse(msg.toString('latin1')) : null;
      if (r && new URL(r.location).hostname === from.address) return finish(null, { location: r.location, host: from.address });
      ignored++;
    });
    socket.on('error', (e) => finish(new UpnpError(`SSDP search failed: ${e.message}`)));
    socket.bind(0, () => {
      try {
        socket.setMulticastTTL(SSDP_TTL);
      } catch {
        // Not fatal: only the multicast hop limit.
      }
      const mx = Math.max(1, Math.min(5, Math.floor(timeoutMs / 1000) - 1));
      for (const st of SSDP_SEARCH_TARGETS) {
        socket.send(ssdpSearchRequest(st, mx, `${address}:${port}`), port, address, (e) => {
          if (e) finish(new UpnpError(`SSDP search failed: ${e.message}`));
        });
      }
    });
  });
}

interface HttpOptions {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  maxBytes: number;
  timeoutMs: number;
}

/** One bounded HTTP exchange; any status is returned (SOAP faults come as 500). */
function httpExchange(url: string, o: HttpOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'http:') return reject(new UpnpError(`${url}: only http is supported`));
    const body = o.body === undefined ? undefined : Buffer.from(o.body, 'utf8');
    const req = request(u, {
      method: o.method,
      headers: { ...o.headers, ...(body ? { 'Content-Length': String(body.length) } : {}), Connection: 'close' },
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new UpnpError(`${url}: no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e instanceof UpnpError ? e : new UpnpError(`${url}: ${e.message}`));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBytes) return req.destroy(new UpnpError(`${url}: answer over ${o.maxBytes} bytes`));
        chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', () => {});
    });
    req.end(body);
  });
}

/** A SOAP action; resolves on 200, throws UpnpError (with the UPnP error code) otherwise. */
async function soapCall(gw: Gateway, action: string, args: Array<[string, string | number]>, timeoutMs: number): Promise<void> {
  const { body, headers } = soapRequest(gw.service.serviceType, action, args);
  const res = await httpExchange(gw.service.controlUrl, { method: 'POST', headers, body, maxBytes: MAX_SOAP_BYTES, timeoutMs });
  if (res.status === 200) return;
  const fault = parseSoapFault(res.body);
  throw new UpnpSoapError(
    fault ? `${action} refused: UPnP error ${fault.code}${fault.description ? ` (${fault.description.slice(0, 100)})` : ''}` : `${action} answered HTTP ${res.status}`,
    fault?.code ?? null,
  );
}

export class UpnpSoapError extends UpnpError {
  constructor(message: string, readonly code: number | null) {
    super(message);
  }
}

export function upnpAddPortMapping(gw: Gateway, a: PortMappingArgs, timeoutMs = 3_000): Promise<void> {
  return soapCall(gw, 'AddPortMapping', addPortMappingArgs(a), timeoutMs);
}

export function upnpDeletePortMapping(gw: Gateway, externalPort: number, timeoutMs = 3_000): Promise<void> {
  return soapCall(gw, 'DeletePortMapping', deletePortMappingArgs(externalPort), timeoutMs);
}

/** Our address on the interface that reaches `host` (the InternalClient of the mapping). */
export function localAddressToward(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.on('error', (e) => {
      s.close();
      reject(new UpnpError(`no route to ${host}: ${e.message}`));
    });
    // A connected UDP socket sends nothing; the kernel just picks the route and source address.
    s.connect(port, host, () => {
      const { address } = s.address();
      s.close();
      resolve(address);
    });
  });
}
