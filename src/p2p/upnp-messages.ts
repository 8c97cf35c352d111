/**
 * The texts of UPnP IGD port mapping (UPnP Device Architecture 1.1; IGD:1/IGD:2 WANIPConnection
 * and WANPPPConnection service templates): the SSDP search and its answer, the device
 * description's service list, and the SOAP AddPortMapping / DeletePortMapping calls with their
 * faults. Pure text in and out; the sockets are in upnp-igd.ts.
 *
 * Everything here reads text a device on the LAN sent us: sizes are bounded by the caller, no
 * regular expression here can backtrack badly (no nested quantifiers), and anything unexpected
 * gives null (the caller logs one line and gives up).
 */

/** SSDP's multicast group and port (UDA 1.1 §1.1.2). */
export const SSDP_ADDRESS = '239.255.255.250';
export const SSDP_PORT = 1900;

/** The services that can map ports, most common first (WANIPConnection on nearly every router). */
export const WAN_SERVICE_TYPES = [
  'urn:schemas-upnp-org:service:WANIPConnection:2',
  'urn:schemas-upnp-org:service:WANIPConnection:1',
  'urn:schemas-upnp-org:service:WANPPPConnection:1',
] as const;

/** What we search for: the gateway device, and each mapping service directly (some answer only one). */
export const SSDP_SEARCH_TARGETS = ['urn:schemas-upnp-org:device:InternetGatewayDevice:1', ...WAN_SERVICE_TYPES];

/** UDA 1.1 §1.3.2: M-SEARCH; MX is the seconds devices may wait before answering. */
export function ssdpSearchRequest(st: string, mx: number, host = `${SSDP_ADDRESS}:${SSDP_PORT}`): Buffer {
  return Buffer.from(
    `M-SEARCH * HTTP/1.1\r\nHOST: ${host}\r\nMAN: "ssdp:discover"\r\nMX: ${mx}\r\nST: ${st}\r\n\r\n`,
    'ascii',
  );
}

/**
 * A search answer (UDA 1.1 §1.3.3: `HTTP/1.1 200 OK` and headers) -> its LOCATION (the device
 * description URL, http only) and ST; null for anything else (NOTIFY, errors, other schemes).
 */
export function parseSsdpResponse(text: string): { location: string; st: string } | null {
  const lines = text.split('\r\n');
  if (!/^HTTP\/1\.[01] 200\b/i.test(lines[0] ?? '')) return null;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const location = headers.get('location');
  if (!location) return null;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:') return null;
  return { location: url.href, st: headers.get('st') ?? '' };
}

/** XML text content with the five predefined entities and numeric references decoded. */
export function xmlText(s: string): string {
  return s.trim().replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e] ?? '';
  });
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Text of the first element named `name` (any namespace prefix) in `xml`, or null. */
export function xmlElement(xml: string, name: string): string | null {
  const m = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z_][\\w.-]*:)?${name}>`).exec(xml);
  return m ? xmlText(m[1]!) : null;
}

export interface WanService {
  serviceType: string;
  /** Absolute URL of the service's SOAP endpoint. */
  controlUrl: string;
}

/**
 * The first port-mapping service in a device description (UDA 1.1 §2.3: `<service>` elements
 * with serviceType and controlURL, nested in device lists), by WAN_SERVICE_TYPES order. The
 * control URL is resolved against URLBase (UDA 1.0) or else the description's own URL.
 */
export function parseIgdDescription(xml: string, descriptionUrl: string): WanService | null {
  const services: Array<{ type: string; control: string }> = [];
  const re = /<(?:[A-Za-z_][\w.-]*:)?service>([\s\S]*?)<\/(?:[A-Za-z_][\w.-]*:)?service>/g;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    const type = xmlElement(m[1]!, 'serviceType');
    const control = xmlElement(m[1]!, 'controlURL');
    if (type && control) services.push({ type, control });
  }
  const base = xmlElement(xml, 'URLBase') || descriptionUrl;
  for (const wanted of WAN_SERVICE_TYPES) {
    const s = services.find((x) => x.type === wanted);
    if (!s) continue;
    try {
      const url = new URL(s.control, base);
      if (url.protocol !== 'http:') return null;
      return { serviceType: s.type, controlUrl: url.href };
    } catch {
      return null;
    }
  }
  return null;
}

/** A SOAP 1.1 call of `action` on `serviceType` with its arguments in order (UDA 1.1 §3.2.1). */
export function soapRequest(serviceType: string, action: string, args: ReadonlyArray<[string, string | number]>): { body: string; headers: Record<string, string> } {
  const argXml = args.map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`).join('');
  const body =
    '<?xml version="1.0"?>\r\n' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">' +
    `<s:Body><u:${action} xmlns:u="${xmlEscape(serviceType)}">${argXml}</u:${action}></s:Body></s:Envelope>\r\n`;
  return {
    body,
    headers: {
      'Content-Type': 'text/xml; charset="utf-8"',
      SOAPAction: `"${serviceType}#${action}"`,
    },
  };
}

export interface PortMappingArgs {
  externalPort: number;
  internalPort: number;
  internalClient: string;
  description: string;
  /** Seconds; 0 = until removed (the only value IGD:1 routers must support). */
  leaseSeconds: number;
}

/** WANIPConnection AddPortMapping arguments, in the order the service template lists them. */
export function addPortMappingArgs(a: PortMappingArgs): Array<[string, string | number]> {
  return [
    ['NewRemoteHost', ''],
    ['NewExternalPort', a.externalPort],
    ['NewProtocol', 'TCP'],
    ['NewInternalPort', a.internalPort],
    ['NewInternalClient', a.internalClient],
    ['NewEnabled', 1],
    ['NewPortMappingDescription', a.description],
    ['NewLeaseDuration', a.leaseSeconds],
  ];
}

export function deletePortMappingArgs(externalPort: number): Array<[string, string | number]> {
  return [
    ['NewRemoteHost', ''],
    ['NewExternalPort', externalPort],
    ['NewProtocol', 'TCP'],
  ];
}

/** IGD error 725 OnlyPermanentLeasesSupported: retry with lease 0. */
export const ONLY_PERMANENT_LEASES = 725;

/** A SOAP fault's UPnPError (UDA 1.1 §3.2.2): code and description, or null when there is none. */
export function parseSoapFault(xml: string): { code: number; description: string } | null {
  const code = xmlElement(xml, 'errorCode');
  if (code === null || !/^\d{1,6}$/.test(code)) return null;
  return { code: Number(code), description: xmlElement(xml, 'errorDescription') ?? '' };
}
