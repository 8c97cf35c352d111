/**
 * A home router of our own on 127.0.0.1 for the port-mapping tests: a NAT-PMP responder
 * (RFC 6886 message formats), an SSDP responder and an HTTP server with a MiniUPnPd-shaped
 * device description and a WANIPConnection:1 SOAP endpoint. It records every request so tests
 * can check what the node asked for, and can be told to refuse or stay silent.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const WANIP1 = 'urn:schemas-upnp-org:service:WANIPConnection:1';

/** The shape MiniUPnPd (the daemon in most Linux-based routers) serves as rootDesc.xml. */
export function miniupnpdDescription(): string {
  return `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion><device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><friendlyName>OpenWRT router</friendlyName><manufacturer>OpenWRT</manufacturer><modelName>MiniUPnPd</modelName><UDN>uuid:4d696e69-5550-6e50-0001-000000000001</UDN><serviceList><service><serviceType>urn:schemas-upnp-org:service:Layer3Forwarding:1</serviceType><serviceId>urn:upnp-org:serviceId:L3Forwarding1</serviceId><controlURL>/ctl/L3F</controlURL><eventSubURL>/evt/L3F</eventSubURL><SCPDURL>/L3F.xml</SCPDURL></service></serviceList><deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType><friendlyName>WANDevice</friendlyName><UDN>uuid:4d696e69-5550-6e50-0001-000000000002</UDN><serviceList><service><serviceType>urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1</serviceType><serviceId>urn:upnp-org:serviceId:WANCommonIFC1</serviceId><controlURL>/ctl/CmnIfCfg</controlURL><eventSubURL>/evt/CmnIfCfg</eventSubURL><SCPDURL>/WANCfg.xml</SCPDURL></service></serviceList><deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType><friendlyName>WANConnectionDevice</friendlyName><UDN>uuid:4d696e69-5550-6e50-0001-000000000003</UDN><serviceList><service><serviceType>${WANIP1}</serviceType><serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId><controlURL>/ctl/IPConn</controlURL><eventSubURL>/evt/IPConn</eventSubURL><SCPDURL>/WANIPCn.xml</SCPDURL></service></serviceList></device></deviceList></device></deviceList><presentationURL>http://192.168.1.1/</presentationURL></device></root>`;
}

/** A SOAP fault as MiniUPnPd sends it (HTTP 500). */
export function soapFault(code: number, description: string): string {
  return `<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>${code}</errorCode><errorDescription>${description}</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>\r\n`;
}

export interface SoapCall {
  action: string;
  args: Record<string, string>;
}

export type NatPmpMode = 'ok' | 'refuse' | 'silent' | 'garbage-then-ok' | 'short-then-ok';

export class FakeGateway {
  natPmpMode: NatPmpMode = 'ok';
  /** Refuse leases other than 0 with 725, as IGD:1 routers may. */
  permanentOnly = false;
  /** Answer AddPortMapping with this UPnP error. */
  refuseAdd: number | null = null;
  readonly natPmpRequests: Buffer[] = [];
  readonly ssdpRequests: string[] = [];
  readonly soapCalls: SoapCall[] = [];
  /** Mapped TCP ports (NAT-PMP or UPnP) -> lease seconds. */
  readonly mapped = new Map<number, number>();

  private constructor(
    private readonly natPmp: UdpSocket,
    private readonly ssdp: UdpSocket,
    private readonly http: Server,
  ) {}

  static async start(): Promise<FakeGateway> {
    const natPmp = createSocket('udp4');
    const ssdp = createSocket('udp4');
    const http = createServer();
    const gw = new FakeGateway(natPmp, ssdp, http);
    natPmp.on('message', (msg, from) => gw.onNatPmp(msg, from.address, from.port));
    ssdp.on('message', (msg, from) => gw.onSsdp(msg, from.address, from.port));
    http.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (req.method === 'GET' && req.url === '/rootDesc.xml') {
          res.writeHead(200, { 'Content-Type': 'text/xml' }).end(miniupnpdDescription());
          return;
        }
        if (req.method === 'POST' && req.url === '/ctl/IPConn') {
          const r = gw.onSoap(String(req.headers['soapaction'] ?? ''), body);
          res.writeHead(r.status, { 'Content-Type': 'text/xml; charset="utf-8"' }).end(r.body);
          return;
        }
        res.writeHead(404).end();
      });
    });
    await Promise.all([
      new Promise<void>((r) => natPmp.bind(0, '127.0.0.1', () => r())),
      new Promise<void>((r) => ssdp.bind(0, '127.0.0.1', () => r())),
      new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r())),
    ]);
    return gw;
  }

  get natPmpPort(): number {
    return this.natPmp.address().port;
  }

  get ssdpPort(): number {
    return this.ssdp.address().port;
  }

  get httpPort(): number {
    return (this.http.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.natPmp.close();
    this.ssdp.close();
    this.http.closeAllConnections();
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  private onNatPmp(msg: Buffer, host: string, port: number): void {
    this.natPmpRequests.push(msg);
    if (this.natPmpMode === 'silent') return;
    if (this.natPmpMode === 'garbage-then-ok' && this.natPmpRequests.length === 1) {
      this.natPmp.send(Buffer.from('not nat-pmp'), port, host);
      return;
    }
    if (this.natPmpMode === 'short-then-ok' && this.natPmpRequests.length === 1) {
      // The right version and response opcode, and nothing after them.
      this.natPmp.send(Buffer.from([0, 128 + msg[1]!]), port, host);
      return;
    }
    const op = msg[1]!;
    const result = this.natPmpMode === 'refuse' ? 2 : 0;
    if (op === 0) {
      const r = Buffer.alloc(12);
      r.writeUInt8(128, 1);
      r.writeUInt16BE(result, 2);
      r.writeUInt32BE(12345, 4);
      Buffer.from([203, 0, 113, 9]).copy(r, 8);
      this.natPmp.send(r, port, host);
      return;
    }
    const internal = msg.readUInt16BE(4);
    const lifetime = msg.readUInt32BE(8);
    if (result === 0) {
      if (lifetime === 0) this.mapped.delete(internal);
      else this.mapped.set(internal, lifetime);
    }
    const r = Buffer.alloc(16);
    r.writeUInt8(128 + op, 1);
    r.writeUInt16BE(result, 2);
    r.writeUInt32BE(12345, 4);
    r.writeUInt16BE(internal, 8);
    r.writeUInt16BE(lifetime === 0 ? 0 : msg.readUInt16BE(6), 10);
    r.writeUInt32BE(Math.min(lifetime, 7200), 12);
    this.natPmp.send(r, port, host);
  }

  private onSsdp(msg: Buffer, host: string, port: number): void {
    const text = msg.toString('latin1');
    this.ssdpRequests.push(text);
    const st = /\r\nST: ([^\r]+)/i.exec(text)?.[1] ?? '';
    if (!text.startsWith('M-SEARCH') || st !== WANIP1) return; // answer one target, as many routers do
    const answer =
      'HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\n' +
      `ST: ${st}\r\nUSN: uuid:4d696e69-5550-6e50-0001-000000000003::${st}\r\nEXT:\r\n` +
      `SERVER: OpenWRT/21.02 UPnP/1.1 MiniUPnPd/2.2.1\r\nLOCATION: http://127.0.0.1:${this.httpPort}/rootDesc.xml\r\n\r\n`;
    this.ssdp.send(Buffer.from(answer, 'latin1'), port, host);
  }

  private onSoap(soapAction: string, body: string): { status: number; body: string } {
    const action = /#(\w+)"?$/.exec(soapAction)?.[1] ?? '';
    const args: Record<string, string> = {};
    for (const m of body.matchAll(/<(New\w+)>([^<]*)<\/New\w+>/g)) args[m[1]!] = m[2]!;
    this.soapCalls.push({ action, args });
    const port = Number(args['NewExternalPort']);
    if (action === 'AddPortMapping') {
      if (this.refuseAdd !== null) return { status: 500, body: soapFault(this.refuseAdd, 'ConflictInMappingEntry') };
      const lease = Number(args['NewLeaseDuration']);
      if (this.permanentOnly && lease !== 0) return { status: 500, body: soapFault(725, 'OnlyPermanentLeasesSupported') };
      this.mapped.set(port, lease);
    } else if (action === 'DeletePortMapping') {
      if (!this.mapped.delete(port)) return { status: 500, body: soapFault(714, 'NoSuchEntryInArray') };
    } else {
      return { status: 500, body: soapFault(401, 'Invalid Action') };
    }
    return {
      status: 200,
      body: `<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:${action}Response xmlns:u="${WANIP1}"/></s:Body></s:Envelope>\r\n`,
    };
  }
}
