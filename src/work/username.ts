/**
 * Miner usernames: `ADDRESS[.worker|_worker][+PSEUDO_DIFF][/SHARE_DIFF]` (docs/mining.md#the-user-name and
 * JT's worker suffix). `+D` asks for pseudoshares of difficulty D (how often the miner reports
 * work to this node); `/D` asks for sharechain shares of difficulty D (clipped later to 1..30x
 * the chain's minimum). The order of `+` and `/` is free, as in the reference's
 * `re.split('([+/])')`.
 */

export interface ParsedUsername {
  /** The address part, unvalidated (the caller checks it against the network). */
  address: string;
  /** Worker name, '' when none. */
  worker: string;
  /** Requested pseudoshare difficulty, or null. */
  pseudoDifficulty: number | null;
  /** Requested share difficulty, or null. */
  shareDifficulty: number | null;
}

const MAX_USERNAME_LENGTH = 256;

function parseDifficulty(s: string): number | null {
  if (!/^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s)) return null;
  const d = Number(s);
  return Number.isFinite(d) && d > 0 ? d : null;
}

export function parseUsername(username: string): ParsedUsername {
  const name = username.slice(0, MAX_USERNAME_LENGTH).trim();
  const parts = name.split(/([+/])/);
  let head = parts[0] ?? '';
  let pseudoDifficulty: number | null = null;
  let shareDifficulty: number | null = null;
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const d = parseDifficulty(parts[i + 1]!);
    if (d === null) continue; // a malformed modifier is ignored, as the reference does
    if (parts[i] === '+') pseudoDifficulty = d;
    else shareDifficulty = d;
  }
  // Worker suffix: the first '.' or '_' splits it off (addresses never contain either).
  let worker = '';
  const sep = head.search(/[._]/);
  if (sep !== -1) {
    worker = head.slice(sep + 1);
    head = head.slice(0, sep);
  }
  return { address: head, worker, pseudoDifficulty, shareDifficulty };
}

/** A fair-network user name: the v35 parts plus `~N`, the most payout outputs the miner's firmware takes. */
export interface ParsedFairUsername extends ParsedUsername {
  /** From `~N` (a whole number from 1 up), or null. */
  maxOutputs: number | null;
}

/**
 * `ADDRESS[.WORKER|_WORKER][+PSEUDO_DIFF][/SHARE_DIFF][~MAX_OUTPUTS]` on the fair networks
 * (docs/mining.md#the-user-name): `~N` asks for a coinbase with at most N payout outputs (the
 * node picks the largest of the network's classes up to N). Modifiers come in any order; a
 * malformed one is ignored, as `+` and `/` are. The v35 parse (parseUsername) is unchanged.
 */
export function parseFairUsername(username: string): ParsedFairUsername {
  const name = username.slice(0, MAX_USERNAME_LENGTH).trim();
  let maxOutputs: number | null = null;
  const kept: string[] = [];
  // Split off every `~N` (up to the next modifier), keep the rest for the v35 parse.
  for (const part of name.split(/(?=[+/~])/)) {
    if (part.startsWith('~')) {
      if (/^~\d{1,6}$/.test(part) && Number(part.slice(1)) >= 1) maxOutputs = Number(part.slice(1));
      continue;
    }
    kept.push(part);
  }
  return { ...parseUsername(kept.join('')), maxOutputs };
}
