/**
 * mapPort against a fake router on 127.0.0.1 (fake-gateway.ts): NAT-PMP first, UPnP when
 * NAT-PMP is refused, permanent leases when the router allows only those, removal on close,
 * and one log line (never an exception) when nothing works. Nothing leaves 127.0.0.1: the
 * gateway and the SSDP target are always given.
 */
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
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

  it('retransmits past a truncated answer (2 bytes, the right opcode)', async () => {
    gw.natPmpMode = 'short-then-ok';
    const m = await mapPort(19444, log, opts());
    expect(m?.method).toBe('NAT-PMP');
    expect(gw.natPmpRequests.length).toBe(2);
    await m!.close();
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

/**
 * Why the project keeps its own UPnP IGD / NAT-PMP client (docs/architecture.md#what-we-write-ourselves)
 * instead of @achingbrain/nat-port-mapper, shown against the same fake router. If a later
 * version of the library passes these, switching to it is due.
 */
describe('@achingbrain/nat-port-mapper 4.0.5 (the library we did not take)', () => {
  it('cannot map on an IGD:1 router (MiniUPnPd, most home routers), where mapPort can', async () => {
    const { upnpNat } = await import('@achingbrain/nat-port-mapper');
    const description = new URL(`http://127.0.0.1:${gw.httpPort}/rootDesc.xml`);
    await expect(upnpNat().getGateway(description)).rejects.toThrow(/Device type was not "urn:schemas-upnp-org:device:InternetGatewayDevice:2"/);
    gw.natPmpMode = 'refuse';
    const m = await mapPort(19555, log, opts());
    expect(m?.method).toBe('UPnP');
    await m!.close();
  });

  it('ends the whole process on a 2-byte datagram to its NAT-PMP client port (our client ignores malformed answers)', async () => {
    // In a child: the library's socket handler throws outside any promise.
    const script = `
      import { pmpNat } from '@achingbrain/nat-port-mapper';
      import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
      const gw = pmpNat('127.0.0.1');
      gw.map(19444, '127.0.0.1', { protocol: 'tcp', signal: AbortSignal.timeout(5000) }).catch(() => {});
      setTimeout(() => { const s = createSocket('udp4'); s.send(Buffer.from([0, 130]), 5350, '127.0.0.1', () => s.close()); }, 300);
      setTimeout(() => { console.log('survived'); process.exit(0); }, 3000);`;
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../../', import.meta.url)), encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout).not.toContain('survived');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/RangeError \[ERR_OUT_OF_RANGE\][\s\S]*PMPGateway\.onMessage/);
  });
});
