/**
 * The default gateway from /proc/net/route (the table format of Linux's fib_route_seq_show:
 * tab-separated, addresses as the kernel's little-endian u32 in hex, padded lines).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultGateway, parseDefaultGateway } from '../../src/p2p/default-gateway.js';

const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT                                                       ';
const row = (iface: string, dest: string, gw: string, flags: string, metric: number, mask: string): string =>
  `${iface}\t${dest}\t${gw}\t${flags}\t0\t0\t${metric}\t${mask}\t0\t0\t0                                                                               `;

describe('parseDefaultGateway', () => {
  it('reads the gateway of the default route, byte-swapped from the kernel order', () => {
    const table = [HEADER, row('eth0', '00000000', '0101A8C0', '0003', 100, '00000000'), row('eth0', '0001A8C0', '00000000', '0001', 100, '00FFFFFF')].join('\n');
    expect(parseDefaultGateway(table)).toBe('192.168.1.1');
  });

  it('prefers the lowest metric and skips routes that are down or have no gateway', () => {
    const table = [
      HEADER,
      row('wlan0', '00000000', '0100000A', '0003', 600, '00000000'),
      row('eth1', '00000000', 'FE01A8C0', '0001', 10, '00000000'), // no RTF_GATEWAY
      row('eth2', '00000000', '0102A8C0', '0002', 5, '00000000'), // not RTF_UP
      row('eth0', '00000000', '0101A8C0', '0003', 100, '00000000'),
    ].join('\n');
    expect(parseDefaultGateway(table)).toBe('192.168.1.1');
  });

  it('gives null without a default route or for text that is not a route table', () => {
    expect(parseDefaultGateway([HEADER, row('eth0', '0001A8C0', '00000000', '0001', 0, '00FFFFFF')].join('\n'))).toBeNull();
    expect(parseDefaultGateway('')).toBeNull();
    expect(parseDefaultGateway('Iface\n\u0000garbage 00000000 zzzzzzzz 3 0 0 0 00000000')).toBeNull();
  });

  it('reads a route file, and gives null when it cannot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'route-'));
    try {
      const file = join(dir, 'route');
      writeFileSync(file, [HEADER, row('eth0', '00000000', '010200C0', '0003', 0, '00000000')].join('\n') + '\n');
      expect(await defaultGateway(file)).toBe(process.platform === 'linux' ? '192.0.2.1' : null);
      expect(await defaultGateway(join(dir, 'missing'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
