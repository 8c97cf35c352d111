/**
 * Typed errors of the chain layer (talking to the user's full node). Each one carries enough
 * context to become a single, actionable log line: which node, which method, what to check.
 */

/** The node answered the call with a JSON-RPC error object (`code`, `message` are the node's). */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly method: string,
    /** The node's JSON-RPC error code (Core: src/rpc/protocol.h). */
    readonly code: number,
    /** The node's own message, unchanged. */
    readonly nodeMessage: string,
  ) {
    super(`bitcoind ${method} failed: ${explainRpcCode(code, method)}${nodeMessage ? ` (${nodeMessage}, code ${code})` : ` (code ${code})`}`);
  }

  /** Core -10: still in initial block download. Work is refused until it catches up. */
  get isInitialDownload(): boolean {
    return this.code === RPC_CLIENT_IN_INITIAL_DOWNLOAD;
  }

  /** Core -28: loading the block index / verifying blocks after a start. Transient. */
  get isWarmingUp(): boolean {
    return this.code === RPC_IN_WARMUP;
  }

  get isMethodNotFound(): boolean {
    return this.code === RPC_METHOD_NOT_FOUND;
  }
}

/** The node could not be reached: refused, reset, timed out, or refused access (403/503). */
export class RpcConnectionError extends Error {
  override readonly name = 'RpcConnectionError';
  constructor(
    message: string,
    readonly endpoint: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** HTTP 401: the node rejected our credentials. */
export class RpcAuthError extends Error {
  override readonly name = 'RpcAuthError';
  constructor(readonly endpoint: string, how: string) {
    super(`bitcoind at ${endpoint} answered 401 Unauthorized: wrong RPC user/password or cookie (${how}); ` +
      'check rpcuser/rpcpassword in bitcoin.conf, or --bitcoind-datadir so the .cookie file can be read');
  }
}

/** The node (or whatever listens on that port) answered something that is not JSON-RPC. */
export class RpcProtocolError extends Error {
  override readonly name = 'RpcProtocolError';
  constructor(message: string, readonly endpoint: string) {
    super(message);
  }
}

/** A startup check failed: wrong chain, node too old, a required soft fork missing, bad template. */
export class BitcoindCheckError extends Error {
  override readonly name = 'BitcoindCheckError';
}

/** getblocktemplate returned something we must not mine on (a bad field, an unknown '!' rule). */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

// JSON-RPC error codes from Bitcoin Core src/rpc/protocol.h.
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_CLIENT_IN_INITIAL_DOWNLOAD = -10;
export const RPC_IN_WARMUP = -28;
export const RPC_INVALID_ADDRESS_OR_KEY = -5;
/** Core: an invalid or out-of-range parameter (getblockhash past the tip: "Block height out of range"). */
export const RPC_INVALID_PARAMETER = -8;
export const RPC_WALLET_NOT_FOUND = -18;
export const RPC_WALLET_NOT_SPECIFIED = -19;

/** What a code means for an operator, in words; empty when the node's message says it all. */
function explainRpcCode(code: number, method: string): string {
  switch (code) {
    case RPC_CLIENT_IN_INITIAL_DOWNLOAD:
      return 'bitcoind is still in initial block download (syncing the chain); mining starts when it has caught up';
    case RPC_IN_WARMUP:
      return 'bitcoind is warming up (loading its block index); it will answer in a moment';
    case RPC_METHOD_NOT_FOUND:
      return `bitcoind does not know the method "${method}" (node too old, or its wallet is disabled)`;
    case RPC_WALLET_NOT_FOUND:
      return 'bitcoind has no wallet loaded (create or load one, or give a payout address with -a)';
    case RPC_WALLET_NOT_SPECIFIED:
      return 'bitcoind has several wallets loaded; say which one to use, or give a payout address with -a';
    default:
      return 'error from bitcoind';
  }
}
