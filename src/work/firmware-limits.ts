/**
 * How big a coinbase common mining firmware is known to take (docs/mining.md#coinbase-size-and-miners-firmware,
 * which gives the source of every number). A P2Pool coinbase pays every miner of the PPLNS
 * window, so it grows with the pool; past these sizes the named firmware crashes, drops the
 * job or hashes a truncated coinbase (every share rejected). The v35 rules fix the coinbase, so
 * all the node can do is say so: a log line, the dashboard's warnings and /metrics.
 *
 * "Coinbase bytes" is what the miner assembles and hashes: coinb1 + extranonce1 +
 * extranonce2 + coinb2, the generation transaction without witness.
 */

export interface FirmwareLimit {
  /** Short stable label (the /metrics label value). */
  id: string;
  /** Who is affected, for people. */
  firmware: string;
  /** Largest coinbase, bytes, given the job's merkle branch count; null when the limit is on payees. */
  maxCoinbaseBytes: ((merkleBranches: number) => number) | null;
  /** Largest number of payout outputs; null when the limit is on bytes. */
  maxPayees: number | null;
}

/** bmminer's job buffer (8,192 bytes) holds an 80-byte job header + coinbase + 32 per merkle branch + a 2-byte CRC. */
const BMMINER_JOB_BUFFER = 8192;
const BMMINER_JOB_OVERHEAD = 80 + 2;

export const FIRMWARE_LIMITS: readonly FirmwareLimit[] = [
  { id: 'antminer_s19_stock', firmware: 'stock Antminer S19 (as tested by OCEAN\'s DATUM gateway)', maxCoinbaseBytes: () => 755, maxPayees: null },
  { id: 'antminer_s21_stock', firmware: 'stock Antminer S21 (as tested by OCEAN\'s DATUM gateway)', maxCoinbaseBytes: () => 2250, maxPayees: null },
  { id: 'whatsminer_bitaxe', firmware: 'Whatsminer (DATUM\'s tested class) and Bitaxe ESP-Miner (coinbase on an 8 KB task stack)', maxCoinbaseBytes: () => 6500, maxPayees: null },
  {
    id: 'antminer_s9_stock',
    firmware: 'stock Antminer S9, T9+, S17, T17 (bmminer/cgminer 8 KB job buffer)',
    maxCoinbaseBytes: (branches) => BMMINER_JOB_BUFFER - BMMINER_JOB_OVERHEAD - 32 * branches,
    maxPayees: null,
  },
  { id: 'p2pool_200_payees', firmware: 'the reference P2Pool\'s warning: "Antminer S9s may crash when this is close to 226"', maxCoinbaseBytes: null, maxPayees: 199 },
];

export interface CoinbaseFacts {
  /** Largest coinbase of the current work, bytes without witness. */
  bytes: number;
  /** Payout outputs (donation included), as the reference counts its "payment dests". */
  payees: number;
  merkleBranches: number;
}

/** The limits `c` exceeds, in table order. */
export function exceededFirmwareLimits(c: CoinbaseFacts): FirmwareLimit[] {
  return FIRMWARE_LIMITS.filter((l) =>
    (l.maxCoinbaseBytes !== null && c.bytes > l.maxCoinbaseBytes(c.merkleBranches)) || (l.maxPayees !== null && c.payees > l.maxPayees));
}

/** One line for logs and the dashboard, or null when no limit is exceeded. */
export function firmwareWarning(c: CoinbaseFacts): string | null {
  const over = exceededFirmwareLimits(c);
  if (over.length === 0) return null;
  const what = over.map((l) => l.maxCoinbaseBytes !== null
    ? `${l.firmware}: ${l.maxCoinbaseBytes(c.merkleBranches)} bytes`
    : `${l.firmware}: ${l.maxPayees! + 1}+ payees`);
  return `the coinbase is ${c.bytes} bytes with ${c.payees} payees, over what some miners' firmware takes (${what.join('; ')}); see docs/mining.md#coinbase-size-and-miners-firmware`;
}
