import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineSplitter, LineTooLong, MAX_LINE_BYTES } from '../../src/stratum/line-splitter.js';

/** Every line one splitter returns for `stream` fed in chunks of the lengths in `cuts` (cycled). */
/**
 * The lines of `stream` fed in chunks of the cycled `cuts` lengths. With `reused`, each chunk is
 * copied to the start of one buffer whose rest is newlines and passed with its length, as a
 * socket reading into a shared buffer does (src/stratum/socket-reads.ts): a splitter that read
 * past the length, or kept a view of the buffer, would return other lines.
 */
function splitInChunks(stream: Buffer, cuts: readonly number[], reused = false): string[] {
  const s = new LineSplitter();
  const got: string[] = [];
  const buffer = Buffer.alloc(32);
  for (let pos = 0, i = 0; pos < stream.length; i++) {
    const chunk = stream.subarray(pos, pos + cuts[i % cuts.length]!);
    if (reused) {
      buffer.fill(0x0a);
      chunk.copy(buffer);
      got.push(...s.push(buffer, chunk.length));
    } else {
      got.push(...s.push(chunk));
    }
    pos += chunk.length;
  }
  return got;
}

describe('LineSplitter', () => {
  it('returns the same lines however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z{}":,0-9 ]{1,40}$/), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }),
        (lines, cuts) => {
          const stream = Buffer.from(lines.map((l) => l + '\n').join(''));
          expect(splitInChunks(stream, cuts)).toEqual(lines);
          expect(splitInChunks(stream, cuts, true)).toEqual(lines);
        },
      ),
    );
  });

  it('returns the same lines however the stream is chunked, with CRLF or LF ends, empty lines and multi-byte characters', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ text: fc.stringMatching(/^[a-z{}":,0-9 é€]{0,40}$/), crlf: fc.boolean() }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }),
        (lines, cuts) => {
          // A CR or an LF, and the bytes of one character, may each end up on either side of a cut.
          const stream = Buffer.from(lines.map((l) => l.text + (l.crlf ? '\r\n' : '\n')).join(''), 'utf8');
          const want = lines.map((l) => l.text).filter((t) => t !== '');
          expect(splitInChunks(stream, cuts)).toEqual(want);
          expect(splitInChunks(stream, cuts, true)).toEqual(want);
        },
      ),
    );
  });

  it('strips CR of CRLF line ends', () => {
    expect(new LineSplitter().push(Buffer.from('{"a":1}\r\n{"b":2}\n'))).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('throws LineTooLong for an unterminated line past the cap, split or whole', () => {
    const s = new LineSplitter();
    s.push(Buffer.alloc(MAX_LINE_BYTES, 0x61));
    expect(() => s.push(Buffer.from('a'))).toThrow(LineTooLong);
    expect(() => new LineSplitter().push(Buffer.alloc(1024 * 1024, 0x61))).toThrow(LineTooLong);
    const t = new LineSplitter();
    expect(() => t.push(Buffer.concat([Buffer.alloc(MAX_LINE_BYTES + 1, 0x61), Buffer.from('\n')]))).toThrow(LineTooLong);
  });
});
