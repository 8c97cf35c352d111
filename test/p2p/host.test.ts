import { describe, expect, it } from 'vitest';
import { formatHostPort, hostGroup, isLoopback, normalizeHost, parseHostPort } from '../../src/p2p/host.js';

describe('host strings', () => {
  it('normalises IPv4-mapped addresses as Node reports them', () => {
    expect(normalizeHost('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeHost('::FFFF:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeHost('2001:db8::1')).toBe('2001:db8::1');
  });

  it('knows loopback in every spelling', () => {
    for (const h of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', 'localhost']) expect(isLoopback(h)).toBe(true);
    for (const h of ['10.0.0.1', '128.0.0.1', '2001:db8::1', 'example.com']) expect(isLoopback(h)).toBe(false);
  });

  it('groups by /16 like the reference _host_to_ident, IPv6 by /32', () => {
    expect(hostGroup('93.77.99.166')).toBe('93.77');
    expect(hostGroup('::ffff:93.77.1.2')).toBe('93.77');
    expect(hostGroup('2001:db8:1::1')).toBe('2001:0db8');
    expect(hostGroup('2001:0db8:ffff::')).toBe('2001:0db8');
  });

  it('parses -n ADDR[:PORT]', () => {
    expect(parseHostPort('1.2.3.4', 9333)).toEqual({ host: '1.2.3.4', port: 9333 });
    expect(parseHostPort('ml.toom.im:9336', 9333)).toEqual({ host: 'ml.toom.im', port: 9336 });
    expect(parseHostPort('[2001:db8::1]:19444', 9333)).toEqual({ host: '2001:db8::1', port: 19444 });
    expect(parseHostPort('2001:db8::1', 9333)).toEqual({ host: '2001:db8::1', port: 9333 });
    expect(() => parseHostPort('host:99999', 1)).toThrow(/bad port/);
    expect(() => parseHostPort('host:x', 1)).toThrow(/bad port/);
    expect(() => parseHostPort(':5', 1)).toThrow(/no host/);
    expect(formatHostPort({ host: '2001:db8::1', port: 5 })).toBe('[2001:db8::1]:5');
    expect(formatHostPort({ host: '1.2.3.4', port: 5 })).toBe('1.2.3.4:5');
  });
});
