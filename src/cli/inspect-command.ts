/**
 * Commander wiring of `p2pool inspect block|tx|address|auxpow|share`: reads the argument (hex, or `@FILE`
 * holding raw bytes or hex), calls the pure functions in inspect.ts and prints ONE JSON
 * object on stdout. Errors propagate to main.ts, which prints them as one line and exits 1.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { powHash } from '../bitcoin/chain-params.js';
import { DecodeError } from '../bitcoin/errors.js';
import { toHex } from '../bitcoin/hex.js';
import { inspectAuxpow } from '../merged/inspect-auxpow.js';
import { InvalidShare } from '../sharechain/invalid-share.js';
import { SHARECHAIN_NET_NAMES } from '../sharechain/networks.js';
import { bytesFromFileContent, bytesFromHexArgument, inspectAddress, inspectBlock, inspectTx } from './inspect.js';
import { inspectShare } from './inspect-share.js';
import { addNetOptions, chainFromOptions, type NetOptionValues } from './net-option.js';

/** A usage problem with an inspect argument (unreadable file, empty input). */
export class InspectInputError extends Error {
  override readonly name = 'InspectInputError';
}

/** `@path` reads a file (raw bytes or hex text, detected); anything else is hex. */
export function readBytesArgument(arg: string): Buffer {
  if (!arg.startsWith('@')) return bytesFromHexArgument(arg);
  const path = arg.slice(1);
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InspectInputError(`cannot read ${path}: ${code}`);
  }
  if (content.length === 0) throw new InspectInputError(`${path} is empty`);
  return bytesFromFileContent(content);
}

/** Name what failed to decode: "invalid block: truncated input ..." rather than the bare reason. */
function decoding<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError) throw new InspectInputError(`invalid ${what}: ${err.message}`);
    throw err;
  }
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function registerInspectCommand(program: Command): void {
  const inspect = program
    .command('inspect')
    .description('decode a block, transaction, address, AuxPoW or share and print one JSON object (debugging tool)');

  addNetOptions(
    inspect
      .command('block')
      .argument('<hex-or-@file>', 'block as hex, or @FILE holding raw bytes or hex')
      .description('block hash, PoW hash, BIP34 height, merkle root and witness commitment checks, per-tx ids and weights (Litecoin MWEB blocks with --net litecoin)'),
  ).action((arg: string, opts: NetOptionValues) => {
    // The network picks the PoW function (scrypt on Litecoin) and whether Litecoin's HogEx
    // and MWEB block are accepted; hashes, merkle root and witness commitment do not depend on it.
    const chain = chainFromOptions(opts);
    printJson(decoding('block', () => inspectBlock(readBytesArgument(arg), chain)));
  });

  addNetOptions(
    inspect
      .command('tx')
      .argument('<hex-or-@file>', 'transaction as hex, or @FILE holding raw bytes or hex')
      .description('txid, wtxid, size, vsize, weight, input count and outputs with their addresses'),
  ).action((arg: string, opts: NetOptionValues) => {
    const chain = chainFromOptions(opts);
    printJson(decoding('transaction', () => inspectTx(readBytesArgument(arg), chain)));
  });

  addNetOptions(
    inspect
      .command('address')
      .argument('<address>', 'base58check or bech32/bech32m address')
      .description('the output script an address pays to, and its type'),
    { required: true },
  ).action((address: string, opts: NetOptionValues) => {
    printJson(inspectAddress(address, chainFromOptions(opts)));
  });

  // The AuxPoW format and its checks are the same on every aux chain; --net names the PARENT
  // chain, whose PoW the parent header must meet (sha256d for Bitcoin, scrypt for Litecoin).
  addNetOptions(
    inspect
      .command('auxpow')
      .argument('<hex-or-@file>', 'aux block header with AuxPoW as hex, or @FILE holding raw bytes or hex')
      .description('check an aux block header with AuxPoW (--net: the parent chain): parent hash, chain id, aux hash, coinbase txid, aux merkle root'),
  ).action((arg: string, opts: NetOptionValues) => {
    const parent = chainFromOptions(opts);
    const hex = toHex(readBytesArgument(arg));
    printJson(decoding('auxpow', () => inspectAuxpow(hex, { parentPow: (header) => powHash(parent, header) })));
  });

  // A share belongs to a sharechain network (v35 or fair), not to a parent chain: its own --net.
  inspect
    .command('share')
    .argument('<hex-or-@file>', 'share wrapper (type VarInt + contents VarStr, as on the wire) as hex, or @FILE holding raw bytes or hex')
    .addOption(new Option('--net <name>', 'sharechain network (v35, or a fair network: NAME-fair)').choices([...SHARECHAIN_NET_NAMES]).makeOptionMandatory())
    .description('a share of a v35 or fair network: hash, PoW hash, kind (fair: link or sub-share), targets, payee, references, header')
    .action((arg: string, opts: { net: string }) => {
      const bytes = readBytesArgument(arg);
      try {
        printJson(decoding('share', () => inspectShare(bytes, opts.net)));
      } catch (err) {
        if (err instanceof InvalidShare) throw new InspectInputError(`invalid share: ${err.message}`);
        throw err;
      }
    });
}
