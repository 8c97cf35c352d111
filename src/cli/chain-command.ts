/**
 * Commander wiring of `p2pool chain verify --net NAME FILE [--details]`: reads FILE (one share
 * wrapper hex per line, oldest first), runs the pure verifier (sharechain/chain-verify.ts) and
 * prints one JSON line per share. Exit status 0 when every share is valid, 1 otherwise. A fair
 * network's name (bitcoin-fair, ..., regtest-fair) verifies with the fair rules
 * (sharechain/fair/chain-verify.ts); its lines also carry `kind` (link or sub-share).
 * Unreadable files and bad options are thrown to main.ts, which prints them as one line.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { resolveNetName } from '../bitcoin/chain-params.js';
import { exitCodeFor, verifyChainLines, type ChainVerifyResult } from '../sharechain/chain-verify.js';
import { verifyFairChainLines } from '../sharechain/fair/chain-verify.js';
import { getFairNetwork, isFairNetName } from '../sharechain/fair/networks.js';
import { SHARECHAIN_NET_NAMES, getP2PoolNetwork, type P2PoolNetwork } from '../sharechain/networks.js';

interface ChainVerifyFlags {
  net: string;
  testnet?: boolean;
  details?: boolean;
  maxTarget?: string;
  now?: string;
}

/** A usage problem with `chain verify` input. */
export class ChainCommandError extends Error {
  override readonly name = 'ChainCommandError';
}

export function networkFromFlags(flags: ChainVerifyFlags): P2PoolNetwork {
  const net = getP2PoolNetwork(resolveNetName(flags.net, flags.testnet === true));
  if (flags.maxTarget === undefined) return net;
  if (!/^(0x)?[0-9a-fA-F]{1,64}$/.test(flags.maxTarget)) throw new ChainCommandError(`--max-target must be up to 64 hex digits, got ${flags.maxTarget}`);
  const maxTarget = BigInt(flags.maxTarget.startsWith('0x') ? flags.maxTarget : `0x${flags.maxTarget}`);
  return { ...net, maxTarget };
}

function nowFromFlags(flags: ChainVerifyFlags): number {
  if (flags.now === undefined) return Math.floor(Date.now() / 1000);
  const n = Number(flags.now);
  if (!Number.isSafeInteger(n) || n < 0) throw new ChainCommandError(`--now must be a unix time in seconds, got ${flags.now}`);
  return n;
}

export function registerChainCommand(program: Command): void {
  const chain = program.command('chain').description('sharechain tools');
  chain
    .command('verify')
    .description(
      'verify a file of shares (one wrapper hex per line, oldest first) with a fresh tracker; prints one JSON line per share ' +
        '{"index","hash","valid","reason"}; exit 0 when all are valid. The first share\'s missing parent is treated as the ' +
        'root, so a chain cut from a live sharechain fails where its first shares need history not in the file; a failing ' +
        'share is dropped, so shares built on it fail too',
    )
    .argument('<file>', 'file with one share per line as hex of the wrapper (type VarInt + contents VarStr)')
    .addOption(new Option('--net <name>', 'P2Pool network (v35, or a fair network: NAME-fair)').choices([...SHARECHAIN_NET_NAMES]).makeOptionMandatory())
    .addOption(new Option('--testnet', "use the network's testnet (the seed's form: --net bitcoin --testnet)"))
    .option('--details', 'also print pow_hash, gentx_txid and payouts (the rebuilt gentx outputs in order)')
    .option('--max-target <hex>', "override the network's MAX_TARGET (for generated test chains such as the reference's vectors)")
    .option('--now <unixtime>', 'current time for the 600 s future-timestamp rule (default: the clock)')
    .action((file: string, flags: ChainVerifyFlags) => {
      const fair = isFairNetName(flags.net);
      if (fair && flags.testnet === true) throw new ChainCommandError('--testnet does not apply to a fair network: name it (testnet4-fair, signet-fair, regtest-fair)');
      if (fair && flags.maxTarget !== undefined) throw new ChainCommandError('--max-target applies to v35 networks only');
      const v35net = fair ? null : networkFromFlags(flags);
      const now = nowFromFlags(flags);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new ChainCommandError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      }
      const lines = text.split('\n');
      const details = flags.details === true;
      const results: ChainVerifyResult[] = fair
        ? verifyFairChainLines(lines, getFairNetwork(flags.net), { details, now })
        : verifyChainLines(lines, v35net!, { details, now });
      process.stdout.write(results.map((r) => JSON.stringify(r)).join('\n') + (results.length ? '\n' : ''));
      process.exitCode = exitCodeFor(results);
    });
}
