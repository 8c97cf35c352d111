/**
 * NAT-PMP messages (RFC 6886 §3.2–3.5), byte for byte as the RFC lays them out, and the
 * request loop against a responder on 127.0.0.1.
 */
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bitcoin/errors.js';
import {
  decodeExternalAddressResponse, decodeMapResponse, encodeExternalAddressRequest, encodeMapRequest, NatPmpError, natPmpMap,
} from '../../src/p2p/nat-pmp.js';

describe('NAT-PMP messages', () => {
  it('a TCP mapping request: version 0, opcode 2, reserved, ports and lifetime big-endian', () => {
    expect(encodeMapRequest(19444, 19444, 3600).toString('hex')).toBe('0002' + '0000' + '4bf4' + '4bf4' + '00000e10');
    // RFC 6886 §3.4: deleting sets the suggested external port and the lifetime to zero.
    expect(encodeMapRequest(9333, 0, 0).toString('hex')).toBe('000200002475000000000000');
    expect(encodeExternalAddressRequest().toString('hex')).toBe('0000');
  });

  it('decodes a mapping answer and the public address answer', () => {
    // version 0, opcode 130, result 0, epoch 0x3039, internal 19444, external 40000, lifetime 7200
    const answer = Buffer.from('00820000' + '00003039' + '4bf4' + '9c40' + '00001c20', 'hex');
    expect(decodeMapResponse(answer)).toEqual({ internalPort: 19444, externalPort: 40000, lifetime: 7200 });
    expect(decodeExternalAddressResponse(Buffer.from('0080000000003039cb007109', 'hex'))).toBe('203.0.113.9');
  });

  it('a result code other than 0 is a refusal named after RFC 6886 §3.5', () => {
    const refused = Buffer.from('00820002' + '00003039' + '4bf4' + '0000' + '00000000', 'hex');
    expect(() => decodeMapResponse(refused)).toThrow(new NatPmpError('gateway refused: not authorized/refused'));
    const unknown = Buffer.from('00820009' + '00003039' + '4bf4' + '0000' + '00000000', 'hex');
    expect(() => decodeMapResponse(unknown)).toThrow(/result code 9/);
  });

  it('malformed datagrams are DecodeErrors', () => {
    expect(() => decodeMapResponse(Buffer.alloc(15))).toThrow(DecodeError);
    expect(() => decodeMapResponse(Buffer.from('0182000000003039' + '4bf44bf400000e10', 'hex'))).toThrow(/version 1/);
    expect(() => decodeMapResponse(Buffer.from('0081000000003039' + '4bf44bf400000e10', 'hex'))).toThrow(/opcode 129/);
    expect(() => decodeExternalAddressResponse(Buffer.alloc(16))).toThrow(DecodeError);
  });
});

describe('NAT-PMP request loop', () => {
  it('retransmits with a doubling delay and gives up after the last try', async () => {
    const silent = createSocket('udp4');
    const seen: number[] = [];
    silent.on('message', () => seen.push(Date.now()));
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    try {
      const t0 = Date.now();
      await expect(natPmpMap({ gateway: '127.0.0.1', port: silent.address().port, initialTimeoutMs: 50, attempts: 3 }, 19444, 3600)).rejects.toThrow(/no answer from 127\.0\.0\.1:\d+ after 3 tries/);
      expect(seen).toHaveLength(3);
      // 50 + 100 + 200 ms of waiting in all.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(340);
      expect(seen[2]! - seen[1]!).toBeGreaterThanOrEqual(90);
    } finally {
      silent.close();
    }
  });

  it('ignores answers from another address or port than the gateway', async () => {
    const gateway = createSocket('udp4');
    const impostor = createSocket('udp4');
    await Promise.all([gateway, impostor].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
    gateway.on('message', (msg, from) => {
      // A different socket answers in the gateway's place: it must not count.
      const r = Buffer.from('00820000000030394bf44bf400000e10', 'hex');
      impostor.send(r, from.port, from.address);
      void msg;
    });
    try {
      await expect(natPmpMap({ gateway: '127.0.0.1', port: gateway.address().port, initialTimeoutMs: 40, attempts: 2 }, 19444, 3600)).rejects.toThrow(/no answer/);
    } finally {
      gateway.close();
      impostor.close();
    }
  });
});
