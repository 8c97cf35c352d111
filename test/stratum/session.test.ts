/**
 * StratumSession without sockets: what a checked submit hands the work layer, and which
 * submits count as the same one. Every hash is a pseudoshare here (the session's difficulty is
 * far below 1, its target clamps to 2**256-1), so each submit is checked all the way.
 */
import { describe, expect, it } from 'vitest';
import { sha256d } from '../../src/bitcoin/hash.js';
import { MAX_WORKERS, StratumSession } from '../../src/stratum/session.js';
import { FixedWork } from '../support/fixed-work.js';
import { StratumTestMiner, type Notify } from '../support/stratum-miner.js';

function setup(): { session: StratumSession; work: FixedWork; lines: string[]; job: () => Notify } {
  const work = new FixedWork();
  work.minDifficulty = 1e-12;
  const lines: string[] = [];
  const session = new StratumSession(Buffer.from('0a0b0c0d', 'hex'), work, { send: (l) => void lines.push(l), close: () => undefined, now: Date.now });
  session.handleLine('{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff"}]}');
  session.handleLine('{"id":2,"method":"mining.subscribe","params":[]}');
  session.handleLine('{"id":3,"method":"mining.suggest_difficulty","params":[1e-12]}');
  session.handleLine('{"id":4,"method":"mining.authorize","params":["alice","x"]}');
  const job = (): Notify => {
    const p = (JSON.parse(lines.filter((l) => l.includes('"mining.notify"')).at(-1)!) as { params: unknown[] }).params;
    return { jobId: p[0] as string, prevHash: p[1] as string, coinb1: p[2] as string, coinb2: p[3] as string, branch: p[4] as string[], version: p[5] as string, bits: p[6] as string, ntime: p[7] as string, clean: p[8] as boolean };
  };
  return { session, work, lines, job };
}

function submit(session: StratumSession, lines: string[], id: number | string, params: string[]): unknown {
  lines.length = 0;
  session.handleLine(JSON.stringify({ id, method: 'mining.submit', params }));
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as unknown;
}

describe('StratumSession submits', () => {
  it("hands the work layer the miner's header, coinbase and nonce area, each the submit's own", () => {
    const { session, work, lines, job } = setup();
    const j = job();
    const ntime = parseInt(j.ntime, 16);
    expect(submit(session, lines, 7, ['alice', j.jobId, '00000001', j.ntime, '0000abcd'])).toEqual({ id: 7, result: true, error: null, jsonrpc: '2.0' });
    // The exact bytes of the accepted answer (the reference's key set and order, ours since before).
    expect(lines[0]).toBe('{"id":7,"result":true,"error":null,"jsonrpc":"2.0"}\n');
    expect(submit(session, lines, 'x-é', ['alice', j.jobId, 'FFFFFFFE', j.ntime, '0000abcd', '00002000'])).toEqual({ id: 'x-é', result: true, error: null, jsonrpc: '2.0' });
    expect(work.solutions).toHaveLength(2);
    const [a, b] = work.solutions as [typeof work.solutions[0], typeof work.solutions[0]];
    // Built independently from the notify's hex (the way a miner builds it).
    expect(a.header).toEqual(StratumTestMiner.header(j, '0a0b0c0d', '00000001', ntime, 0xabcd, parseInt(j.version, 16)));
    expect(b.header).toEqual(StratumTestMiner.header(j, '0a0b0c0d', 'fffffffe', ntime, 0xabcd, (parseInt(j.version, 16) & ~0x1fffe000) | 0x2000));
    expect(a.powHash).toEqual(sha256d(a.header));
    // Read after the second submit: nothing of the first was overwritten by it.
    expect(a.nonceArea.toString('hex')).toBe('0a0b0c0d00000001');
    expect(b.nonceArea.toString('hex')).toBe('0a0b0c0dfffffffe');
    expect(a.coinbase.toString('hex')).toBe(`${j.coinb1}0a0b0c0d00000001${j.coinb2}`);
    expect(b.coinbase.toString('hex')).toBe(`${j.coinb1}0a0b0c0dfffffffe${j.coinb2}`);
    expect(a.job.id).toBe(j.jobId);
    expect(a.miner.username).toBe('alice');
    expect(a.pseudoTarget).toBeGreaterThan(1n << 255n);
  });

  it('counts a submit again as a duplicate whatever the hex case, and any other field change as new', () => {
    const { session, lines, job, work } = setup();
    const j = job();
    const ntime2 = (parseInt(j.ntime, 16) + 1).toString(16).padStart(8, '0');
    const base = ['alice', j.jobId, 'abcdef01', j.ntime, '00c0ffee'];
    const ok = { result: true, error: null };
    const dup = { result: null, error: [22, 'duplicate share', null] };
    const cases: Array<[string[], object]> = [
      [base, ok],
      [base, dup],
      [['alice', j.jobId, 'ABCDEF01', j.ntime.toUpperCase(), '00C0FFEE'], dup],
      [['alice', j.jobId, 'abcdef02', j.ntime, '00c0ffee'], ok],
      [['alice', j.jobId, 'abcdef01', ntime2, '00c0ffee'], ok],
      [['alice', j.jobId, 'abcdef01', j.ntime, '00c0ffef'], ok],
      // Version bits: the job's own version again is the same header; other bits are not.
      [[...base, j.version.slice(0, 1) === '3' ? '10000000' : '00000000'], dup],
      [[...base, '00002000'], ok],
      [[...base, '00002000'], dup],
      // Nonce values that differ only in a high 16-bit half (the key's code units).
      [['alice', j.jobId, 'abcdef01', j.ntime, '01c0ffee'], ok],
      [['alice', j.jobId, 'abcdef01', j.ntime, '01c0ffee'], dup],
    ];
    for (const [params, want] of cases) expect(submit(session, lines, 9, params), params.join(' ')).toMatchObject(want);
    // A new job is a new set: the same fields on it are a new submit.
    session.sendJob(false);
    const k = job();
    expect(k.jobId).not.toBe(j.jobId);
    expect(submit(session, lines, 9, ['alice', k.jobId, 'abcdef01', j.ntime, '00c0ffee'])).toMatchObject(ok);
    expect(work.solutions).toHaveLength(cases.filter(([, w]) => w === ok).length + 1);
  });

  it('checks each submit as the miner its worker name authorized, and holds at most MAX_WORKERS names', () => {
    const { session, work, lines, job } = setup();
    const authorize = (name: string): unknown => {
      lines.length = 0;
      session.handleLine(JSON.stringify({ id: 5, method: 'mining.authorize', params: [name, 'x'] }));
      return (JSON.parse(lines[0]!) as { result: unknown; error: unknown });
    };
    // 'alice' is the first; the connection takes MAX_WORKERS - 1 more.
    for (let i = 1; i < MAX_WORKERS; i++) expect(authorize(`rig${i}`)).toMatchObject({ result: true, error: null });
    expect(authorize('one too many')).toMatchObject({ result: null, error: [24, `at most ${MAX_WORKERS} worker names on one connection`, null] });
    // A name already held may authorize again (a new miner object for it).
    expect(authorize('rig7')).toMatchObject({ result: true, error: null });
    const j = job();
    const names = ['alice', 'rig7', 'rig7', 'alice', 'one too many', 'rig200', 'rig7'];
    const answers = names.map((name, i) => submit(session, lines, i, [name, j.jobId, i.toString(16).padStart(8, '0'), j.ntime, '00000001']));
    expect(answers.map((a) => (a as { error: unknown }).error)).toEqual([null, null, null, null, [24, 'unauthorized worker', null], null, null]);
    expect(work.solutions.map((s) => s.miner.username)).toEqual(['alice', 'rig7', 'rig7', 'alice', 'rig200', 'rig7']);
    // The miner object is the newest authorization's, also right after a submit under the old one.
    const before = work.solutions.at(-1)!.miner;
    expect(authorize('rig7')).toMatchObject({ result: true });
    const j2 = job();
    expect(submit(session, lines, 9, ['rig7', j2.jobId, '000000ff', j2.ntime, '00000001'])).toMatchObject({ result: true });
    expect(work.solutions.at(-1)!.miner.username).toBe('rig7');
    expect(work.solutions.at(-1)!.miner).not.toBe(before);
  });

  it('still checks malformed params, one field at a time, with their names', () => {
    const { session, lines, job } = setup();
    const j = job();
    const bad = (i: number, v: string): string[] => {
      const p = ['alice', j.jobId, '00000001', j.ntime, '00000002', '00002000'];
      p[i] = v;
      return p;
    };
    for (const [i, name] of [[2, 'extranonce2'], [3, 'ntime'], [4, 'nonce'], [5, 'version bits']] as const) {
      for (const v of ['', '0000000', '000000000', '0000000g', ' 0000000', '0x000000', '+0000000', '-0000001', '0000 000', '٠٠٠٠٠٠٠٠']) {
        expect(submit(session, lines, 3, bad(i, v)), `${name} ${JSON.stringify(v)}`).toMatchObject({ error: [20, `${name} must be 8 hex characters`, null] });
      }
    }
  });

  it("a clean job's slot starts with no submits seen, and its own repeats are duplicates", () => {
    // A clean job takes the slot of the job it replaces (the ring starts again at its first
    // slot), and with it that job's set of submitted headers, emptied (seen-headers.ts).
    const { session, lines, job } = setup();
    // The submit's answer (vardiff may follow it with a new difficulty and job).
    const answer = (id: number, params: string[]): unknown => {
      lines.length = 0;
      session.handleLine(JSON.stringify({ id, method: 'mining.submit', params }));
      return JSON.parse(lines[0]!) as unknown;
    };
    const ok = { id: 0, result: true, error: null };
    const dup = { id: 0, result: null, error: [22, 'duplicate share', null] };
    let j = job();
    for (let round = 0; round < 3; round++) {
      // Enough headers to make the set grow, then the same fields on the next clean job.
      for (let n = 0; n < 20; n++) expect(answer(0, ['alice', j.jobId, '00000001', j.ntime, n.toString(16).padStart(8, '0')])).toMatchObject(ok);
      expect(answer(0, ['alice', j.jobId, '00000001', j.ntime, '00000013'])).toMatchObject(dup);
      session.sendJob(true);
      const next = job();
      expect(next.jobId).not.toBe(j.jobId);
      expect(answer(0, ['alice', j.jobId, '00000001', j.ntime, '00000000'])).toMatchObject({ id: 0, result: null, error: [21, 'job not found', null] });
      j = next;
    }
  });

  it('keeps the 32 newest jobs for submits, drops the oldest first, and a clean job drops every older one', () => {
    const { session, lines, job } = setup();
    const ids = [job()];
    for (let i = 0; i < 32; i++) {
      session.sendJob(false);
      ids.push(job());
    }
    const outcome = (j: Notify, nonce: string): unknown => {
      const a = submit(session, lines, 9, ['alice', j.jobId, '00000001', j.ntime, nonce]) as { result: unknown; error: unknown };
      return a.result === true ? 'accepted' : a.error;
    };
    // 33 jobs made: the first is gone, the second (now the oldest) and the newest are live.
    expect(outcome(ids[0]!, '00000001')).toEqual([21, 'job not found', null]);
    expect(outcome(ids[1]!, '00000002')).toBe('accepted');
    expect(outcome(ids[32]!, '00000003')).toBe('accepted');
    // A job reused from an evicted slot starts with no submits seen: the same nonce on another job is new.
    expect(outcome(ids[31]!, '00000003')).toBe('accepted');
    expect(outcome(ids[31]!, '00000003')).toEqual([22, 'duplicate share', null]);
    session.sendJob(true);
    const clean = job();
    expect(outcome(ids[32]!, '00000004')).toEqual([21, 'job not found', null]);
    expect(outcome(clean, '00000004')).toBe('accepted');
  });
});
