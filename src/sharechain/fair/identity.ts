/**
 * The fair network's identity (docs/fair-sharechain.md#identity), in the spirit of Monero
 * P2Pool's consensus ID (SChernykh/p2pool src/side_chain.cpp: a hash over the sidechain's
 * parameters), with our own serialization: one `name=value` line per consensus constant, in a
 * fixed order, UTF-8, hashed with sha256d.
 *
 *   consensus_id = sha256d(text)      identifier = consensus_id[0..8]      prefix = consensus_id[8..16]
 *
 * Integers are decimal, targets 64 lower-case hex digits, the parent chain is named by its
 * genesis hash (display hex) and proof-of-work function. Ports, bootstrap addresses and names
 * are not consensus: they do not enter the text.
 */
import type { ChainParams } from '../../bitcoin/chain-params.js';
import { sha256d } from '../../bitcoin/hash.js';
import type { FairRules } from './networks.js';

/** First line of the text: what the hash is of. */
export const CONSENSUS_TEXT_HEADER = 'p2pool-fair-sharechain consensus';

const hex64 = (v: bigint): string => v.toString(16).padStart(64, '0');

/** The canonical text of `rules` on `parent` (what consensusIdOf hashes), lines ending in \n. */
export function consensusText(rules: FairRules, parent: Pick<ChainParams, 'genesisHash' | 'pow'>): string {
  const lines: Array<[string, string]> = [
    ['rules_revision', String(rules.rulesRevision)],
    ['share_version', String(rules.shareVersion)],
    ['parent_genesis', parent.genesisHash],
    ['parent_pow', parent.pow],
    ['link_period', String(rules.linkPeriod)],
    ['link_lookbehind', String(rules.linkLookbehind)],
    ['link_max_target', hex64(rules.linkMaxTarget)],
    ['max_target', hex64(rules.maxTarget)],
    ['floor_range_log2', String(rules.floorRangeLog2)],
    ['floor_lookbehind', String(rules.floorLookbehind)],
    ['ceiling_refs_per_link', String(rules.ceilingRefsPerLink)],
    ['floor_step_divisor', String(rules.floorStepDivisor)],
    ['ref_depth', String(rules.refDepth)],
    ['max_refs', String(rules.maxRefs)],
    ['includer_bonus', `${rules.bonusNumerator}/${rules.bonusDenominator}`],
    ['output_classes', rules.outputClasses.join(',')],
    ['window_links', String(rules.windowLinks)],
    ['window_entries', String(rules.windowEntries)],
    ['spread', String(rules.spread)],
    ['finder_divisor', String(rules.finderDivisor)],
    ['max_future_seconds', String(rules.maxFutureSeconds)],
  ];
  return [CONSENSUS_TEXT_HEADER, ...lines.map(([k, v]) => `${k}=${v}`)].join('\n') + '\n';
}

/** sha256d(consensusText(rules, parent)), 32 bytes. */
export function consensusIdOf(rules: FairRules, parent: Pick<ChainParams, 'genesisHash' | 'pow'>): Buffer {
  return sha256d(Buffer.from(consensusText(rules, parent), 'utf8'));
}
