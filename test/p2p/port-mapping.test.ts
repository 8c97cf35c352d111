/**
 * mapPort against a fake router on 127.0.0.1 (fake-gateway.ts): NAT-PMP first, UPnP when
 * NAT-PMP is refused, permanent leases when the router allows only those, removal on close,
 * and one log line (never an exception) when nothing works. Nothing leaves 127.0.0.1: the
 * gateway and the SSDP target are always given.
 */
import { createSocket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mapPort, type PortMappingOptions } from '../../src/p2p/port-mapping.js';
import { FakeGateway, WANIP1 } from './fake-gateway.js';

let gw: FakeGateway;
let lines: string[];
const log = (level: 'info' | 'warn', msg: string): void => void lines.push(`${level}: ${msg}`);

beforeEach(async () => {
  gw = await FakeGateway.start();
  lines = [];
});
afterEach(async () => {
  await gw.stop();
});

function opts(extra: PortMappingOptions = {}): PortMappingOptions {
  return { gateway: '127.0.0.1', natPmpPort: gw.natPmpPort, ssdp: { address: '127.0.0.1', port: gw.ssdpPort, timeoutMs: 2_000 }, timeoutMs: 2_000, ...extra };
}

describe('port mapping', () => {
  it('maps by NAT-PMP for an hour and removes the mapping on close', async () => {
    const m = await mapPort(19444, log, opts());
    expect(m?.method).toBe('NAT-PMP');
    expect(m?.externalPort).toBe(19444);
    expect(gw.mapped.get(19444)).toBe(3600);
    expect(lines).toEqual(['info: P2P port 19444 mapped on the router 127.0.0.1 by NAT-PMP (external port 19444)']);
    expect(gw.ssdpRequests).toHaveLength(0);
    await m!.close();
    expect(gw.mapped.has(19444)).toBe(false);
    expect(gw.natPmpRequests.at(-1)!.toString('hex')).toBe('000200004bf4000000000000');
  });

  it('retransmits past a malformed answer', async () => {
    gw.natPmpMode = 'garbage-then-ok';
    const m = await mapPort(19444, log, opts());
    expect(m?.method).toBe('NAT-PMP');
    expect(gw.natPmpRequests.length).toBe(2);
    await m!.close();
  });

  it('falls back to UPnP when NAT-PMP is refused: SSDP, description, AddPortMapping for our address', async () => {
    gw.natPmpMode = 'refuse';
    const m = await mapPort(19555, log, opts());
    expect(m?.method).toBe('UPnP');
    expect(gw.ssdpRequests.some((r) => r.includes(`ST: ${WANIP1}`))).toBe(true);
    expect(gw.soapCalls).toEqual([
      {
        action: 'AddPortMapping',
        args: {
          NewRemoteHost: '', NewExternalPort: '19555', NewProtocol: 'TCP', NewInternalPort: '19555', NewInternalClient: '127.0.0.1',
          NewEnabled: '1', NewPortMappingDescription: 'p2pool', NewLeaseDuration: '3600',
        },
      },
    ]);
    expect(lines).toEqual(['info: P2P port 19555 mapped on the router 127.0.0.1 by UPnP (external port 19555)']);
    await m!.close();
    expect(gw.soapCalls.at(-1)).toEqual({ action: 'DeletePortMapping', args: { NewRemoteHost: '', NewExternalPort: '19555', NewProtocol: 'TCP' } });
    expect(gw.mapped.size).toBe(0);
  });

  it('takes a permanent lease from a router that only allows those (UPnP error 725)', async () => {
    gw.natPmpMode = 'silent';
    gw.permanentOnly = true;
    const m = await mapPort(19666, log, opts({ timeoutMs: 600 }));
    expect(m?.method).toBe('UPnP');
    expect(gw.soapCalls.map((c) => c.args['NewLeaseDuration'])).toEqual(['3600', '0']);
    expect(gw.mapped.get(19666)).toBe(0);
    expect(lines).toEqual(['info: P2P port 19666 mapped on the router 127.0.0.1 by UPnP (external port 19666, permanent lease)']);
    await m!.close();
    expect(gw.mapped.size).toBe(0);
  });

  it('a refusal by both is one warning line and null', async () => {
    gw.natPmpMode = 'refuse';
    gw.refuseAdd = 718;
    const m = await mapPort(19777, log, opts());
    expect(m).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      'warn: P2P port 19777 not mapped on a router (NAT-PMP: gateway refused: not authorized/refused; UPnP: AddPortMapping refused: UPnP error 718 (ConflictInMappingEntry)): forward it by hand for incoming peers',
    );
  });

  it('no router at all: one warning line within the time bound', async () => {
    gw.natPmpMode = 'silent';
    const nobody = createSocket('udp4');
    await new Promise<void>((r) => nobody.bind(0, '127.0.0.1', () => r()));
    try {
      const t0 = Date.now();
      const m = await mapPort(19888, log, opts({ timeoutMs: 800, ssdp: { address: '127.0.0.1', port: nobody.address().port, timeoutMs: 800 } }));
      expect(m).toBeNull();
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^warn: P2P port 19888 not mapped on a router \(NAT-PMP: no answer from 127\.0\.0\.1:\d+ after 2 tries; UPnP: no UPnP gateway answered the SSDP search within 800 ms\)/);
    } finally {
      nobody.close();
    }
  });

  it('an SSDP answer pointing at another host is not followed', async () => {
    const liar = createSocket('udp4');
    liar.on('message', (_m, from) => liar.send(Buffer.from('HTTP/1.1 200 OK\r\nST: x\r\nLOCATION: http://10.255.255.1:5000/rootDesc.xml\r\n\r\n'), from.port, from.address));
    await new Promise<void>((r) => liar.bind(0, '127.0.0.1', () => r()));
    try {
      const m = await mapPort(19999, log, opts({ gateway: null, ssdp: { address: '127.0.0.1', port: liar.address().port, timeoutMs: 500 } }));
      expect(m).toBeNull();
      expect(lines[0]).toMatch(/UPnP: no UPnP gateway answered the SSDP search within 500 ms \(\d+ unusable answers\)/);
    } finally {
      liar.close();
    }
  });
});
