/**
 * The Stratum server over real TCP with real miners hashing real headers. The work source
 * here builds jobs from fixed coinbase bytes (the sharechain is not involved); it records
 * what reached it so the test can check every accepted solution independently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createServer, type Server } from 'node:net';
import { sha256d } from '../../src/bitcoin/hash.js';
import { hashToBigInt } from '../../src/bitcoin/hex.js';
import { StratumServer } from '../../src/stratum/server.js';
import { FixedWork } from '../support/fixed-work.js';
import { StratumTestMiner } from '../support/stratum-miner.js';

let tcp: Server;
let stratum: StratumServer;
let work: FixedWork;
let port: number;
const logs: string[] = [];

beforeAll(async () => {
  work = new FixedWork();
  stratum = new StratumServer(work, { log: (m) => logs.push(m), loginTimeoutMs: 1_500 });
  tcp = createServer((sock) => stratum.accept(sock));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  port = (tcp.address() as { port: number }).port;
});

afterAll(async () => {
  stratum.close();
  await new Promise((r) => tcp.close(r));
});

function waitFor<T>(fn: () => T | undefined | null | false, ms = 10_000): Promise<NonNullable<T>> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const iv = setInterval(() => {
      const v = fn();
      if (v) {
        clearInterval(iv);
        resolve(v as NonNullable<T>);
      } else if (Date.now() - t0 > ms) {
        clearInterval(iv);
        reject(new Error('timeout'));
      }
    }, 5);
  });
}

describe('Stratum server over TCP', () => {
  it('serves two miners (one rolling version bits) whose solutions check out', async () => {
    const a = new StratumTestMiner({ port, username: 'alice' });
    const b = new StratumTestMiner({ port, username: 'bob', versionRolling: true });
    await a.connect();
    await b.connect();
    expect((await a.login()).result).toBe(true);
    expect((await b.login()).result).toBe(true);
    expect(b.versionMask).toBe(0x1fffe000);
    expect(a.extranonce1).toMatch(/^[0-9a-f]{8}$/);
    expect(a.extranonce1).not.toBe(b.extranonce1);
    a.start();
    b.start();
    await waitFor(() => a.submits.filter((s) => s.result === true).length >= 3 && b.submits.filter((s) => s.result === true).length >= 3);
    a.close();
    b.close();
    for (const s of work.solutions) {
      // Independent check: the header's merkle root commits to the coinbase through the branch.
      let root = sha256d(s.coinbase);
      for (const h of s.job.merkleBranch) root = sha256d(Buffer.concat([root, h]));
      expect(s.header.subarray(36, 68)).toEqual(root);
      expect(hashToBigInt(sha256d(s.header))).toBeLessThanOrEqual(s.pseudoTarget);
    }
    const rolled = work.solutions.filter((s) => s.miner.username === 'bob');
    // BIP310: job version 0x30000000 keeps bit 28 only through the mask; the miner set bit 13.
    for (const s of rolled) expect(s.header.readUInt32LE(0)).toBe(0x20002000);
  });

  it('refuses a bad username with a message, and checks every submit', async () => {
    const m = new StratumTestMiner({ port, username: 'bad-taproot' });
    await m.connect();
    const auth = await m.login();
    expect(auth.error).toEqual([24, 'taproot addresses cannot receive P2Pool payouts', null]);
    m.close();

    const c = new StratumTestMiner({ port, username: 'carol', versionRolling: true });
    await c.connect();
    await c.login();
    const job = await waitFor(() => c.job);
    const before = { ...stratum.stats, rejected: new Map(stratum.stats.rejected) };
    expect((await c.call('mining.submit', ['carol', 'nosuchjob', '00000000', job.ntime, '00000000'])).error).toEqual([21, 'job not found', null]);
    expect((await c.call('mining.submit', ['carol', job.jobId, '00000000', job.ntime, '00000000', '00001000'])).error).toEqual([20, 'version bits outside the negotiated mask', null]);
    expect((await c.call('mining.submit', ['carol', job.jobId, '00000000', 'ffffffff', '00000000'])).error).toEqual([20, 'ntime out of range', null]);
    expect((await c.call('mining.submit', ['carol', job.jobId, 'zz', job.ntime, '00000000'])).error).toEqual([20, 'extranonce2 must be 8 hex characters', null]);
    expect((await c.call('mining.submit', ['mallory', job.jobId, '00000000', job.ntime, '00000000'])).error).toEqual([24, 'unauthorized worker', null]);
    // Find one valid solution by hand, submit it twice.
    const target = (0xffffn << 208n) * 1_000_000n / BigInt(Math.round(c.difficulty * 1_000_000));
    let nonce = 0;
    for (;; nonce++) {
      const h = StratumTestMiner.header(job, c.extranonce1, '00000001', parseInt(job.ntime, 16), nonce, parseInt(job.version, 16));
      if (hashToBigInt(sha256d(h)) <= target / 2n) break; // well inside, whatever the rounding
    }
    const params = ['carol', job.jobId, '00000001', job.ntime, nonce.toString(16).padStart(8, '0')];
    expect((await c.call('mining.submit', params)).result).toBe(true);
    expect((await c.call('mining.submit', params)).error).toEqual([22, 'duplicate share', null]);
    // A nonce that misses the target.
    let bad = nonce + 1;
    for (;; bad++) {
      const h = StratumTestMiner.header(job, c.extranonce1, '00000001', parseInt(job.ntime, 16), bad, parseInt(job.version, 16));
      if (hashToBigInt(sha256d(h)) > target * 2n) break; // well outside, whatever the rounding
    }
    expect((await c.call('mining.submit', ['carol', job.jobId, '00000001', job.ntime, bad.toString(16).padStart(8, '0')])).error).toEqual([23, 'low difficulty share', null]);
    // Every answer above is counted in the server's stats (/metrics).
    expect(stratum.stats.submits - before.submits).toBe(8);
    expect(stratum.stats.accepted - before.accepted).toBe(1);
    expect(stratum.stats.stale - before.stale).toBe(1);
    for (const reason of ['version bits outside the negotiated mask', 'ntime out of range', 'extranonce2 must be 8 hex characters', 'unauthorized worker', 'duplicate share', 'low difficulty share']) {
      expect((stratum.stats.rejected.get(reason) ?? 0) - (before.rejected.get(reason) ?? 0)).toBe(1);
    }
    c.close();
  });

  it('answers malformed JSON, cuts off a 1 MB line, and keeps serving others', async () => {
    const good = new StratumTestMiner({ port, username: 'dave' });
    await good.connect();
    await good.login();
    const junk = new StratumTestMiner({ port, username: 'eve' });
    await junk.connect();
    const closed = new Promise((r) => junk.once('close', r));
    junk.sendRaw('{this is not json}\n');
    junk.sendRaw(Buffer.alloc(1024 * 1024, 0x41));
    await closed;
    expect(logs.some((l) => /exceeds the .*limit/.test(l))).toBe(true);
    // The other miner still gets answers.
    expect((await good.call('mining.extranonce.subscribe', [])).result).toBe(true);
    const before = good.notifies.length;
    stratum.broadcastWork(true);
    await waitFor(() => good.notifies.length > before);
    expect(good.notifies.at(-1)!.clean).toBe(true);
    good.close();
  });

  it('closes a silent connection that never authorizes, and keeps serving others', async () => {
    const silent = new StratumTestMiner({ port, username: 'nobody' });
    await silent.connect();
    const closed = new Promise((r) => silent.once('close', r));
    const t0 = Date.now();
    const other = new StratumTestMiner({ port, username: 'ivan' });
    await other.connect();
    expect((await other.login()).result).toBe(true);
    await closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_400);
    expect(logs.some((l) => l.includes('did not authorize in time'))).toBe(true);
    expect((await other.call('mining.extranonce.subscribe', [])).result).toBe(true);
    other.close();
  });

  it('answers pipelined lines in order, ASCII and UTF-8 answers mixed in one read', async () => {
    const sock = connect(port, '127.0.0.1');
    sock.setEncoding('utf8');
    const got: string[] = [];
    let buf = '';
    sock.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        got.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    await new Promise((r) => sock.once('connect', r));
    const minDifficulty = work.minDifficulty;
    work.minDifficulty = 1e-12; // every hash is a pseudoshare: each submit is checked to the end
    try {
      sock.write([
        '{"id":1,"method":"mining.subscribe","params":[]}',
        '{"id":2,"method":"mining.suggest_difficulty","params":[1e-12]}',
        '{"id":3,"method":"mining.authorize","params":["frank","x"]}',
      ].join('\n') + '\n');
      const notify = await waitFor(() => got.find((l) => l.includes('"method":"mining.notify"')));
      const [jobId, , , , , , , ntime] = (JSON.parse(notify) as { params: string[] }).params;
      const submit = (id: unknown, nonce: number, en2 = '00000001'): string =>
        JSON.stringify({ id, method: 'mining.submit', params: ['frank', jobId, en2, ntime, nonce.toString(16).padStart(8, '0')] });
      // The blank-looking line is a request too (malformed JSON, answered with a null id).
      const ids: unknown[] = [10, 11, 'é✓😀', 12, 13, 14, 'x', null, 15];
      const lines = [submit(10, 1), submit(11, 2), submit('é✓😀', 3), submit(12, 3), submit(13, 4), submit(14, 5, 'zz'), submit('x', 6), ' ', submit(15, 7)];
      const before = got.length;
      sock.write(lines.join('\r\n') + '\n');
      await waitFor(() => got.length >= before + ids.length);
      const answers = got.slice(before).map((l) => JSON.parse(l) as { id: unknown; result: unknown; error: unknown });
      expect(answers.map((a) => a.id)).toEqual(ids);
      expect(answers.map((a) => a.result)).toEqual([true, true, true, null, true, null, true, null, true]);
      expect(answers[7]!.error).toEqual([20, 'malformed JSON', null]);
      expect(answers[3]!.error).toEqual([22, 'duplicate share', null]);
      expect(answers[5]!.error).toEqual([20, 'extranonce2 must be 8 hex characters', null]);
      expect(got[before + 2]).toBe('{"id":"é✓😀","result":true,"error":null,"jsonrpc":"2.0"}');
    } finally {
      work.minDifficulty = minDifficulty;
      sock.destroy();
    }
  });
});
