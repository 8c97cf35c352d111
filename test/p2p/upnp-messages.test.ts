/**
 * UPnP IGD texts: SSDP answers as MiniUPnPd sends them, a MiniUPnPd-shaped device description
 * (the nesting InternetGatewayDevice > WANDevice > WANConnectionDevice > WANIPConnection of
 * UPnP IGD:1), SOAP calls and faults.
 */
import { describe, expect, it } from 'vitest';
import {
  addPortMappingArgs, parseIgdDescription, parseSoapFault, parseSsdpResponse, soapRequest, ssdpSearchRequest, xmlElement, xmlText,
} from '../../src/p2p/upnp-messages.js';
import { miniupnpdDescription, soapFault, WANIP1 } from './fake-gateway.js';

describe('SSDP', () => {
  it('the search request is UDA 1.1 §1.3.2 M-SEARCH', () => {
    expect(ssdpSearchRequest(WANIP1, 2).toString('ascii')).toBe(
      `M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 2\r\nST: ${WANIP1}\r\n\r\n`,
    );
  });

  it('reads LOCATION and ST from an answer, header names in any case', () => {
    const answer = `HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: ${WANIP1}\r\nUSN: uuid:x::${WANIP1}\r\nEXT:\r\nSERVER: OpenWRT/21.02 UPnP/1.1 MiniUPnPd/2.2.1\r\nLocation: http://192.168.1.1:5000/rootDesc.xml\r\n\r\n`;
    expect(parseSsdpResponse(answer)).toEqual({ location: 'http://192.168.1.1:5000/rootDesc.xml', st: WANIP1 });
  });

  it('ignores notifications, errors, answers without LOCATION and non-http locations', () => {
    expect(parseSsdpResponse('NOTIFY * HTTP/1.1\r\nLOCATION: http://192.168.1.1/x\r\n\r\n')).toBeNull();
    expect(parseSsdpResponse('HTTP/1.1 404 Not Found\r\nLOCATION: http://192.168.1.1/x\r\n\r\n')).toBeNull();
    expect(parseSsdpResponse('HTTP/1.1 200 OK\r\nST: x\r\n\r\n')).toBeNull();
    expect(parseSsdpResponse('HTTP/1.1 200 OK\r\nLOCATION: file:///etc/passwd\r\n\r\n')).toBeNull();
    expect(parseSsdpResponse('HTTP/1.1 200 OK\r\nLOCATION: not a url\r\n\r\n')).toBeNull();
  });
});

describe('device description', () => {
  it('finds the WANIPConnection control URL deep in the device tree, resolved against the description URL', () => {
    expect(parseIgdDescription(miniupnpdDescription(), 'http://192.168.1.1:5000/rootDesc.xml')).toEqual({
      serviceType: WANIP1,
      controlUrl: 'http://192.168.1.1:5000/ctl/IPConn',
    });
  });

  it('uses URLBase when the description has one, and takes WANPPPConnection when that is all there is', () => {
    const xml = `<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><URLBase>http://10.0.0.138:80/</URLBase><device><serviceList>
      <service><serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType><serviceId>urn:upnp-org:serviceId:WANPPPConn1</serviceId><controlURL>upnp/control/WANPPPConn1</controlURL></service>
      </serviceList></device></root>`;
    expect(parseIgdDescription(xml, 'http://10.0.0.138:49152/desc.xml')).toEqual({
      serviceType: 'urn:schemas-upnp-org:service:WANPPPConnection:1',
      controlUrl: 'http://10.0.0.138/upnp/control/WANPPPConn1',
    });
  });

  it('gives null for a device that cannot map ports, or a control URL that is not http', () => {
    const printer = '<root><device><serviceList><service><serviceType>urn:schemas-upnp-org:service:Printing:1</serviceType><controlURL>/p</controlURL></service></serviceList></device></root>';
    expect(parseIgdDescription(printer, 'http://192.168.1.5/d.xml')).toBeNull();
    const ftp = miniupnpdDescription().replace('<controlURL>/ctl/IPConn</controlURL>', '<controlURL>ftp://192.168.1.1/x</controlURL>');
    expect(parseIgdDescription(ftp, 'http://192.168.1.1:5000/rootDesc.xml')).toBeNull();
  });

  it('decodes XML entities in text', () => {
    expect(xmlText(' a&amp;b&lt;&#65;&#x42;&quot; ')).toBe('a&b<AB"');
    expect(xmlElement('<x><s:a attr="1">v&amp;w</s:a></x>', 'a')).toBe('v&w');
  });
});

describe('SOAP', () => {
  it('AddPortMapping: the envelope, the action header and the arguments in the service template order', () => {
    const { body, headers } = soapRequest(WANIP1, 'AddPortMapping', addPortMappingArgs({ externalPort: 19444, internalPort: 19444, internalClient: '192.168.1.20', description: 'p2pool <&>', leaseSeconds: 3600 }));
    expect(headers.SOAPAction).toBe(`"${WANIP1}#AddPortMapping"`);
    expect(body).toContain(
      `<s:Body><u:AddPortMapping xmlns:u="${WANIP1}"><NewRemoteHost></NewRemoteHost><NewExternalPort>19444</NewExternalPort><NewProtocol>TCP</NewProtocol><NewInternalPort>19444</NewInternalPort><NewInternalClient>192.168.1.20</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>p2pool &lt;&amp;&gt;</NewPortMappingDescription><NewLeaseDuration>3600</NewLeaseDuration></u:AddPortMapping></s:Body>`,
    );
  });

  it('reads the UPnPError of a fault', () => {
    expect(parseSoapFault(soapFault(725, 'OnlyPermanentLeasesSupported'))).toEqual({ code: 725, description: 'OnlyPermanentLeasesSupported' });
    expect(parseSoapFault('<html>Internal error</html>')).toBeNull();
    expect(parseSoapFault('<errorCode>12345678901</errorCode>')).toBeNull();
  });
});
