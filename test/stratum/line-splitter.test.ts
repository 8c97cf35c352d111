import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineSplitter, LineTooLong, MAX_LINE_BYTES } from '../../src/stratum/line-splitter.js';

describe('LineSplitter', () => {
  it('returns the same lines however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z{}":,0-9 ]{1,40}$/), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }),
        (lines, cuts) => {
          const stream = Buffer.from(lines.map((l) => l + '\n').join(''));
          const s = new LineSplitter();
          const got: string[] = [];
          let pos = 0;
          let i = 0;
          while (pos < stream.length) {
            const n = cuts[i++ % cuts.length]!;
            got.push(...s.push(stream.subarray(pos, pos + n)));
            pos += n;
          }
          expect(got).toEqual(lines);
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
