/**
 * Typed errors of the bitcoin layer. Every decoder turns bad input (truncated, oversized,
 * non-canonical) into a DecodeError that carries the byte offset; nothing deeper than the
 * decoder ever throws on untrusted bytes.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    message: string,
    /** Byte offset in the input where the problem was found, when known. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
  }
}

/** An address that does not parse, or belongs to another network. */
export class AddressError extends Error {
  override readonly name = 'AddressError';
}
