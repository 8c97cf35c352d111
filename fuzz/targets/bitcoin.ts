/** Bitcoin data: blocks and transactions (witness and Litecoin MWEB), AuxPoW, addresses. */
import { addressToScript, decodeAddress, scriptToAddress } from '../../src/bitcoin/address.js';
import { CHAIN_NAMES, getChainParams } from '../../src/bitcoin/chain-params.js';
import { AddressError, DecodeError } from '../../src/bitcoin/errors.js';
import { decodeBlock, encodeBlock } from '../../src/bitcoin/block.js';
import { decodeTransaction, encodeTransaction } from '../../src/bitcoin/transaction.js';
import { decodeAuxBlockHeader, encodeAuxPow } from '../../src/merged/auxpow.js';
import type { FuzzTarget } from '../engine.js';
import { addressStrings, coreBlock, hogExTransactions, litecoinBlocks, namecoinAuxHeaders, transactions } from '../seeds.js';
import { check, decodeOrRefuse, sameBytes, split } from './check.js';

export const block: FuzzTarget = {
  name: 'block',
  covers: ['src/bitcoin/block.ts', 'src/bitcoin/transaction.ts', 'src/bitcoin/mweb.ts'],
  about: 'blocks (first byte: Bitcoin, or Litecoin with HogEx/MWEB): decodeBlock, then encodeBlock gives the same bytes',
  seeds: () => [Buffer.concat([Uint8Array.of(0), coreBlock()]), ...litecoinBlocks().map((b) => Buffer.concat([Uint8Array.of(1), b.raw]))],
  maxLen: 32768,
  run(data) {
    const [mweb, raw] = split(data, 2);
    const b = decodeOrRefuse(() => decodeBlock(raw, { mweb: mweb === 1 }), DecodeError);
    if (b) sameBytes('block', raw, encodeBlock(b));
  },
};

export const transaction: FuzzTarget = {
  name: 'transaction',
  covers: ['src/bitcoin/transaction.ts', 'src/bitcoin/mweb.ts'],
  about: 'transactions, legacy and BIP144 witness (first byte: with Litecoin\'s MWEB flag allowed or not): decodeTransaction, then encodeTransaction gives the same bytes',
  seeds: () => [...transactions().map((t) => Buffer.concat([Uint8Array.of(0), t])), ...hogExTransactions().map((t) => Buffer.concat([Uint8Array.of(1), t]))],
  maxLen: 8192,
  run(data) {
    const [mweb, raw] = split(data, 2);
    const tx = decodeOrRefuse(() => decodeTransaction(raw, { mweb: mweb === 1 }), DecodeError);
    if (tx) sameBytes('transaction', raw, encodeTransaction(tx));
  },
};

export const auxpow: FuzzTarget = {
  name: 'auxpow',
  covers: ['src/merged/auxpow.ts'],
  about: 'merged-mining aux headers with AuxPoW (Namecoin): decodeAuxBlockHeader, then the header and encodeAuxPow give the same bytes',
  seeds: () => namecoinAuxHeaders(),
  maxLen: 4096,
  run(data) {
    const raw = Buffer.from(data);
    const a = decodeOrRefuse(() => decodeAuxBlockHeader(raw), DecodeError);
    if (a) sameBytes('auxpow header', raw, Buffer.concat([a.header, encodeAuxPow(a.auxpow)]));
  },
};

const CHAINS = CHAIN_NAMES.map((n) => getChainParams(n));

export const address: FuzzTarget = {
  name: 'address',
  covers: ['src/bitcoin/address.ts'],
  about: 'address strings on every chain (base58check, bech32, bech32m): decodeAddress throws only AddressError; an address that decodes maps back to itself through its script (bech32 in lower case)',
  seeds: () => addressStrings().flatMap((a) => [0, 2, 4].map((c) => Buffer.concat([Uint8Array.of(c), Buffer.from(a)]))),
  dictionary: ['bc1q', 'tb1q', 'bcrt1q', 'ltc1q', 'tltc1q', 'bc1p', '1', '3', 'm', '2', 'L', 'M', 'qqqqqqqqqqqqqqqqqqqq'],
  maxLen: 128,
  run(data) {
    const [c, raw] = split(data, CHAINS.length);
    const chain = CHAINS[c]!;
    const text = raw.toString('latin1');
    const d = decodeOrRefuse(() => decodeAddress(text, chain), AddressError);
    if (!d) return;
    const back = scriptToAddress(d.script, chain);
    check(back !== null, `${text} decodes to a script with no address: ${d.script.toString('hex')}`);
    check(back === text || back === text.toLowerCase(), `${text} round-trips to ${back} on ${chain.name}`);
    check(addressToScript(back!, chain).equals(d.script), 'the script of the re-encoded address differs');
  },
};
