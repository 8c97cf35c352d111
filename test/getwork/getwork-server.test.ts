/**
 * getwork and long polling over real HTTP on a worker port that also speaks Stratum: the
 * first-byte switch, the reference's headers, a solved getwork accepted, bad submissions
 * refused, and a long poll answered on new work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256d } from '../../src/bitcoin/hash.js';
import { hashToBigInt } from '../../src/bitcoin/hex.js';
import { GetworkServer } from '../../src/getwork/getwork-server.js';
import { StratumServer } from '../../src/stratum/server.js';
import { WorkerPort } from '../../src/node/worker-port.js';
import { FixedWork } from '../support/fixed-work.js';
import { GetworkTestMiner, httpCall } from '../support/getwork-miner.js';
import { StratumTestMiner } from '../support/stratum-miner.js';

let port: number;
let work: FixedWork;
let getwork: GetworkServer;
let stratum: StratumServer;
let workerPort: WorkerPort;

beforeAll(async () => {
  work = new FixedWork();
  getwork = new GetworkServer(work);
  stratum = new StratumServer(work);
  workerPort = new WorkerPort((s, first) => stratum.accept(s, first), [(req, res) => getwork.handle(req, res)]);
  port = await workerPort.listen(0, '127.0.0.1');
});

afterAll(async () => {
  getwork.close();
  stratum.close();
  await workerPort.close();
});

describe('getwork on the worker port', () => {
  it('answers getwork with the reference headers and fields, and accepts a solution', async () => {
    const m = new GetworkTestMiner(port, 'frank');
    const { result, headers } = await m.getwork();
    expect(headers['x-long-polling']).toBe('/long-polling');
    expect(headers['x-roll-ntime']).toBe('expire=100');
    expect(headers['x-is-p2pool']).toBe('true');
    expect(headers['x-stratum']).toBe(`stratum+tcp://127.0.0.1:${port}`);
    expect(headers['access-control-allow-origin']).toBe('*');
    expect(result.data).toMatch(/^[0-9a-f]{256}$/);
    expect(result.midstate).toMatch(/^[0-9a-f]{64}$/);
    expect(result.submitold).toBe(true);
    const solved = GetworkTestMiner.solve(result)!;
    expect(solved).not.toBeNull();
    const before = work.solutions.length;
    expect(await m.submit(solved)).toBe(true);
    expect(work.solutions.length).toBe(before + 1);
    const s = work.solutions.at(-1)!;
    expect(s.miner.username).toBe('frank');
    expect(hashToBigInt(sha256d(s.header))).toBeLessThanOrEqual(s.pseudoTarget);
    // The same solution again is a duplicate; unknown work is refused.
    expect(await m.submit(solved)).toBe(false);
    expect(await m.submit('00'.repeat(128))).toBe(false);
    // Two getworks never share a merkle root (each has its own nonce area).
    const again = await m.getwork();
    expect(again.result.data.slice(72, 136)).not.toBe(result.data.slice(72, 136));
  });

  it('refuses a bad username and malformed requests with JSON-RPC errors', async () => {
    const bad = await httpCall(port, 'POST', '/', JSON.stringify({ id: 1, method: 'getwork', params: [] }), 'bad-addr:x');
    expect(JSON.parse(bad.body).error.message).toMatch(/taproot/);
    const garbage = await httpCall(port, 'POST', '/', '{nope', 'frank:x');
    expect(JSON.parse(garbage.body).error.code).toBe(-32700);
    const other = await httpCall(port, 'POST', '/', JSON.stringify({ id: 1, method: 'getinfo' }), 'frank:x');
    expect(JSON.parse(other.body).error.code).toBe(-32601);
  });

  it('answers a long poll when new work arrives, while Stratum shares the port', async () => {
    const m = new GetworkTestMiner(port, 'grace');
    const poll = m.longPoll();
    const s = new StratumTestMiner({ port, username: 'heidi' });
    await s.connect();
    expect((await s.login()).result).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    getwork.notifyNewWork();
    const fresh = await poll;
    expect(fresh.data).toMatch(/^[0-9a-f]{256}$/);
    s.close();
  });
});
