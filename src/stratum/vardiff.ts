/**
 * Per-connection variable difficulty: aim each miner at one pseudoshare every
 * `targetInterval` seconds, so a 10 kH/s CPU miner and a 100 TH/s ASIC both report work a few
 * times a minute (the reference's JT `--share-rate`, docs/mining.md#difficulty-pseudoshares-shares-and-blocks, with a gentler rule).
 *
 * Pure: the caller passes the time. Work is measured in "difficulty-1 units" (2**32 hashes).
 */

export interface VardiffConfig {
  /** Desired seconds between pseudoshares. */
  targetInterval: number;
  /** Retarget after this many accepted submissions... */
  retargetShares: number;
  /** ...or after this many seconds without reaching retargetShares. */
  retargetSeconds: number;
  minDifficulty: number;
  maxDifficulty: number;
}

export const DEFAULT_VARDIFF: VardiffConfig = {
  targetInterval: 5,
  retargetShares: 12,
  retargetSeconds: 30,
  minDifficulty: 1e-9,
  maxDifficulty: 1e15,
};

export class Vardiff {
  private windowStart: number;
  private count = 0;

  constructor(
    private difficulty: number,
    now: number,
    private readonly cfg: VardiffConfig = DEFAULT_VARDIFF,
  ) {
    this.windowStart = now;
    this.difficulty = clamp(difficulty, cfg.minDifficulty, cfg.maxDifficulty);
  }

  get current(): number {
    return this.difficulty;
  }

  /** Forget the window (after a difficulty was imposed from outside). */
  reset(difficulty: number, now: number): void {
    this.difficulty = clamp(difficulty, this.cfg.minDifficulty, this.cfg.maxDifficulty);
    this.windowStart = now;
    this.count = 0;
  }

  /**
   * Record one accepted pseudoshare at `now` (seconds). Returns the new difficulty when it
   * should change, else null. The step is limited to x0.25..x4 per retarget so one lucky burst
   * cannot swing it wildly; a miner far off converges in a few retargets.
   */
  onShare(now: number): number | null {
    this.count++;
    return this.maybeRetarget(now, false);
  }

  /** Called periodically (e.g. on each new job): lowers difficulty for a miner that went quiet. */
  onTick(now: number): number | null {
    return this.maybeRetarget(now, true);
  }

  private maybeRetarget(now: number, tickOnly: boolean): number | null {
    const elapsed = now - this.windowStart;
    if (this.count < this.cfg.retargetShares && elapsed < this.cfg.retargetSeconds) return null;
    if (tickOnly && this.count >= this.cfg.retargetShares) return null;
    // Expected interval at the present difficulty vs what happened; count+1 on a quiet window
    // avoids dividing by zero and errs towards lowering.
    const observed = elapsed / Math.max(this.count, tickOnly ? 1 : this.count);
    const factor = clamp(this.cfg.targetInterval / Math.max(observed, 1e-3), 0.25, 4);
    this.windowStart = now;
    this.count = 0;
    const next = clamp(this.difficulty * factor, this.cfg.minDifficulty, this.cfg.maxDifficulty);
    // Ignore changes under 10%: a new difficulty costs the miner a job switch.
    if (Math.abs(next / this.difficulty - 1) < 0.1) return null;
    this.difficulty = next;
    return next;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
