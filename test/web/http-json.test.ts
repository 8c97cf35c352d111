import { describe, expect, it } from 'vitest';
import { toJson } from '../../src/web/http-json.js';

describe('API JSON', () => {
  it('writes big integers exactly, as the reference prints Python ints', () => {
    // share_data.target of the reference's /web/share answer (web-capture.json).
    const target = 2860271557314529933177690163331097958340534648979753651792940221071360n;
    const text = toJson({ target, nested: [1n, -2n], s: 'big:1' });
    expect(text).toBe('{"target":2860271557314529933177690163331097958340534648979753651792940221071360,"nested":[1,-2],"s":"big:1"}');
  });

  it('keeps strings that look like the internal marker as strings', () => {
    const tricky = '\u0000big:5';
    expect(JSON.parse(toJson({ tricky, n: 5n })) as unknown).toEqual({ tricky, n: 5 });
  });

  it('answers null for nothing', () => {
    expect(toJson(undefined)).toBe('null');
    expect(toJson(null)).toBe('null');
  });
});
