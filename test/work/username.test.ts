import { describe, expect, it } from 'vitest';
import { parseUsername } from '../../src/work/username.js';

describe('parseUsername', () => {
  const addr = 'bcrt1qrgggr830y0ppygtftxw7mnsg3fhyndsfr8pp9w';
  it('splits worker names on . and _', () => {
    expect(parseUsername(`${addr}.rig1`)).toEqual({ address: addr, worker: 'rig1', pseudoDifficulty: null, shareDifficulty: null });
    expect(parseUsername(`${addr}_rig2`).worker).toBe('rig2');
  });
  it('reads +pseudo and /share difficulties in either order', () => {
    expect(parseUsername(`${addr}/65536+4096`)).toMatchObject({ address: addr, pseudoDifficulty: 4096, shareDifficulty: 65536 });
    expect(parseUsername(`${addr}.w+0.5/2e3`)).toMatchObject({ worker: 'w', pseudoDifficulty: 0.5, shareDifficulty: 2000 });
  });
  it('ignores malformed modifiers and keeps the address', () => {
    expect(parseUsername(`${addr}+abc/-1`)).toEqual({ address: addr, worker: '', pseudoDifficulty: null, shareDifficulty: null });
  });
});
