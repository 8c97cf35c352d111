/**
 * The coinbase-size warnings (src/work/firmware-limits.ts; the limits and their sources are in
 * docs/mining.md#coinbase-size-and-miners-firmware): each limit is crossed exactly at its
 * number, the Antminer S9's moves with the merkle branch count (its 8 KB job buffer also holds
 * the branches), and 200 payees is the reference's own warning.
 */
import { describe, expect, it } from 'vitest';
import { exceededFirmwareLimits, firmwareWarning, FIRMWARE_LIMITS } from '../../src/work/firmware-limits.js';

const ids = (bytes: number, payees: number, merkleBranches = 12): string[] => exceededFirmwareLimits({ bytes, payees, merkleBranches }).map((l) => l.id);

describe('firmware limits', () => {
  it('a small coinbase is within every limit: no warning', () => {
    expect(ids(755, 10)).toEqual([]);
    expect(firmwareWarning({ bytes: 700, payees: 10, merkleBranches: 12 })).toBeNull();
  });

  it('each byte limit is crossed one byte past it', () => {
    expect(ids(756, 10)).toEqual(['antminer_s19_stock']);
    expect(ids(2250, 60)).toEqual(['antminer_s19_stock']);
    expect(ids(2251, 60)).toEqual(['antminer_s19_stock', 'antminer_s21_stock']);
    expect(ids(6501, 190)).toEqual(['antminer_s19_stock', 'antminer_s21_stock', 'whatsminer_bitaxe']);
  });

  it('the Antminer S9 limit is 8,192 - 82 - 32 per merkle branch', () => {
    const s9 = FIRMWARE_LIMITS.find((l) => l.id === 'antminer_s9_stock')!;
    expect(s9.maxCoinbaseBytes!(12)).toBe(7726);
    expect(s9.maxCoinbaseBytes!(0)).toBe(8110);
    expect(ids(7726, 190)).not.toContain('antminer_s9_stock');
    expect(ids(7727, 190)).toContain('antminer_s9_stock');
    expect(ids(7727, 190, 11)).not.toContain('antminer_s9_stock');
  });

  it('200 payees is the reference\'s warning, whatever the bytes', () => {
    expect(ids(700, 199)).toEqual([]);
    expect(ids(700, 200)).toEqual(['p2pool_200_payees']);
    const w = firmwareWarning({ bytes: 7800, payees: 230, merkleBranches: 12 })!;
    expect(w).toMatch(/^the coinbase is 7800 bytes with 230 payees, over what some miners' firmware takes \(/);
    expect(w).toContain('stock Antminer S9, T9+, S17, T17 (bmminer/cgminer 8 KB job buffer): 7726 bytes');
    expect(w).toContain('Antminer S9s may crash when this is close to 226": 200+ payees');
    expect(w).toMatch(/docs\/mining\.md#coinbase-size-and-miners-firmware$/);
  });
});
