/**
 * The Stratum server's resource limits over real TCP (docs/operations.md "Limits"): total and
 * per-address connection caps (loopback 127.0.0.1 exempt from the latter; 127.0.0.2 is another
 * address here), refusals logged once a minute per reason, and a miner that never reads its
 * socket cut off at the write-buffer limit while a reading miner keeps being served.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { IDLE_TIMEOUT_MS, StratumServer } from '../../src/stratum/server.js';
import type { Job } from '../../src/work/job.js';
import type { Miner } from '../../src/work/work-source.js';
import { FixedWork } from '../support/fixed-work.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { waitFor } from '../support/wait.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A Stratum server on `work` over real TCP. */
async function serve(opts: ConstructorParameters<typeof StratumServer>[1], work: FixedWork = new FixedWork()): Promise<{ stratum: StratumServer; port: number; logs: string[] }> {
  const logs: string[] = [];
  const stratum = new StratumServer(work, { ...opts, log: (m) => logs.push(m) });
  const tcp: Server = createServer((s) => stratum.accept(s));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => tcp.close(() => r())), () => stratum.close());
  return { stratum, port: (tcp.address() as { port: number }).port, logs };
}

/** A raw miner that subscribes and authorizes as `name`, then stops reading (its socket paused). */
async function pausedMiner(port: number, stratum: StratumServer, name: string): Promise<Socket> {
  const { socket } = await open(port, '127.0.0.1');
  const before = stratum.sessions.filter((x) => x.authorized).length;
  socket.write(`{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.authorize","params":["${name}","x"]}\n`);
  await waitFor(`${name} authorized`, () => stratum.sessions.filter((x) => x.authorized).length === before + 1);
  socket.pause();
  return socket;
}

/** A raw connection from `from`; resolves with the socket and a promise of its close. */
async function open(port: number, from: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  cleanups.push(() => void socket.destroy());
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  socket.on('error', () => undefined);
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  return { socket, closed };
}

describe('Stratum connection limits', () => {
  it('refuses connections over the per-address cap, counts closes back, and exempts 127.0.0.1', async () => {
    const { stratum, port, logs } = await serve({ maxConnectionsPerIp: 2 });
    const a = await open(port, '127.0.0.2');
    const b = await open(port, '127.0.0.2');
    await waitFor('two counted', () => stratum.connectionsFrom('127.0.0.2') === 2);
    const c = await open(port, '127.0.0.2');
    await c.closed; // closed by the server at once
    const d = await open(port, '127.0.0.2');
    await d.closed;
    expect(stratum.connectionsFrom('127.0.0.2')).toBe(2);
    // One line for both refusals (once a minute per reason).
    expect(logs.filter((l) => /refused/.test(l))).toEqual(['stratum: refused 1 connection: 127.0.0.2 already has 2 Stratum connections (the per-address limit)']);
    // A close frees a slot.
    a.socket.destroy();
    await waitFor('one left', () => stratum.connectionsFrom('127.0.0.2') === 1);
    const e = await open(port, '127.0.0.2');
    const m = new StratumTestMiner({ port, username: 'miner' });
    cleanups.push(() => m.close());
    await m.connect();
    expect((await m.login()).result).toBe(true);
    expect(stratum.connectionsFrom('127.0.0.2')).toBe(2);
    expect(e.socket.destroyed).toBe(false);
    // 127.0.0.1 is not held to the per-address cap.
    const locals = await Promise.all([1, 2, 3].map(() => open(port, '127.0.0.1')));
    await waitFor('three local', () => stratum.connectionsFrom('127.0.0.1') === 4);
    for (const l of locals) expect(l.socket.destroyed).toBe(false);
    void b;
  });

  it('refuses connections over the total cap', async () => {
    const { stratum, port, logs } = await serve({ maxConnections: 3 });
    for (let i = 0; i < 3; i++) await open(port, '127.0.0.1');
    await waitFor('three', () => stratum.sessions.length === 3);
    const over = await open(port, '127.0.0.1');
    await over.closed;
    expect(stratum.sessions.length).toBe(3);
    expect(logs.some((l) => l.includes("refused 1 connection: the node's limit of 3 Stratum connections is reached"))).toBe(true);
  });
});

describe('a miner that never reads', () => {
  it('is cut off at the write-buffer limit while a reading miner keeps its work', async () => {
    const limit = 64 * 1024;
    const { stratum, port, logs } = await serve({ maxQueuedBytes: limit });
    const reader = new StratumTestMiner({ port, username: 'reader' });
    cleanups.push(() => reader.close());
    await reader.connect();
    expect((await reader.login()).result).toBe(true);
    const silent = await open(port, '127.0.0.1');
    silent.socket.write('{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.authorize","params":["silent","x"]}\n');
    silent.socket.pause();
    await waitFor('both authorized', () => stratum.sessions.filter((s) => s.authorized).length === 2);
    // New work until the silent one is dropped: the kernel's buffers fill first, then Node's.
    let rounds = 0;
    while (!logs.some((l) => l.includes('not reading its messages')) && rounds < 200_000) {
      stratum.broadcastWork(rounds % 2 === 0);
      rounds++;
      if (rounds % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(logs.filter((l) => l.includes('not reading its messages'))).toHaveLength(1);
    expect(stratum.sessions.filter((s) => s.authorized)).toHaveLength(1);
    // The reader got the latest work.
    const before = reader.notifies.length;
    stratum.broadcastWork(true);
    await waitFor('a notify for the reader', () => reader.notifies.length > before);
    console.log(`silent miner dropped after ${rounds} broadcasts`);
  });
});

/**
 * Jobs whose 8 KB coinb1 hex the server assembles into its notify lines as bytes (Job.coinb1HexSource,
 * as PoolWork's payee gentxs do): each job's coinb1 is made from its id, so a line tells what it must hold.
 */
class ByteLineWork extends FixedWork {
  constructor(private readonly coinb1Bytes = 4000) {
    super();
  }
  override makeJob(miner: Miner): Job {
    const job = super.makeJob(miner);
    const coinb1 = coinb1Of(job.id, this.coinb1Bytes);
    const hex = coinb1.toString('hex');
    return { ...job, coinb1, coinb1HexSource: { coinb1HexLength: hex.length, writeCoinb1Hex: (out, at) => at + out.write(hex, at, 'latin1') } };
  }
}
const coinb1Of = (id: string, bytes = 4000): Buffer => Buffer.concat([Buffer.alloc(bytes, Number.parseInt(id, 16) & 0xff), Buffer.from(id)]);

describe('notify lines written as bytes', () => {
  it('a miner that reads late still gets every queued line intact while the others get theirs', async () => {
    // The server assembles each line in one reused Buffer while the kernel takes lines whole; the
    // paused miner's lines queue in Node once the kernel's buffers are full, and must not be
    // overwritten by the lines assembled after them.
    const { stratum, port, logs } = await serve({ maxQueuedBytes: 64 * 1024 * 1024 }, new ByteLineWork());
    const reader = new StratumTestMiner({ port, username: 'reader' });
    cleanups.push(() => reader.close());
    await reader.connect();
    expect((await reader.login()).result).toBe(true);
    const late = await open(port, '127.0.0.1');
    late.socket.write('{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.authorize","params":["late","x"]}\n');
    await waitFor('both authorized', () => stratum.sessions.filter((x) => x.authorized).length === 2);
    late.socket.pause();
    const rounds = 1000; // ~8 MB per miner: beyond what the kernel's buffers take
    for (let r = 0; r < rounds; r++) stratum.broadcastWork(r % 2 === 0);
    let text = '';
    let lines = 0;
    late.socket.setEncoding('latin1');
    late.socket.on('data', (d: string) => {
      text += d;
      for (let i = d.indexOf('\n'); i >= 0; i = d.indexOf('\n', i + 1)) lines++;
    });
    late.socket.resume();
    // subscribe and authorize answers, set_difficulty, then one notify per job.
    await waitFor('every line read', () => lines >= rounds + 4, 30_000);
    const notifies = text.split('\n').filter((l) => l.includes('"method":"mining.notify"'));
    expect(notifies.length).toBeGreaterThanOrEqual(rounds + 1);
    for (const line of notifies) {
      const params = (JSON.parse(line) as { params: string[] }).params;
      expect(params[2]).toBe(coinb1Of(params[0]!).toString('hex'));
    }
    await waitFor('the reader read its notifies', () => reader.notifies.length >= rounds + 1, 30_000);
    for (const n of reader.notifies) expect(n.coinb1).toBe(coinb1Of(n.jobId).toString('hex'));
    expect(logs.filter((l) => l.includes('not reading'))).toEqual([]);
  });

  it('a line a miner leaves queued in one run of a broadcast is not overwritten by the next run', async () => {
    // A broadcast assembles its lines a run at a time in one arena (server.ts broadcastWork).
    // With 24 KB lines a run holds two: the paused miner's line (first to log in) and a
    // reader's, then the other two readers' in the next run. Once the paused miner's kernel
    // buffers are full its line stays queued in the arena, which the next run must not reuse.
    const size = 12_000;
    const { stratum, port, logs } = await serve({ maxQueuedBytes: 64 * 1024 * 1024 }, new ByteLineWork(size));
    const late = await pausedMiner(port, stratum, 'late');
    const readers = [0, 1, 2].map((i) => new StratumTestMiner({ port, username: `reader${i}` }));
    for (const r of readers) {
      cleanups.push(() => r.close());
      await r.connect();
      expect((await r.login()).result).toBe(true);
    }
    const rounds = 400; // ~10 MB for the paused miner: beyond what the kernel's buffers take
    for (let r = 0; r < rounds; r++) stratum.broadcastWork(true);
    for (const r of readers) await waitFor('a reader read its notifies', () => r.notifies.length >= rounds + 1, 30_000);
    for (const r of readers) for (const n of r.notifies) expect(n.coinb1).toBe(coinb1Of(n.jobId, size).toString('hex'));
    let text = '';
    let notifies = 0;
    late.setEncoding('latin1');
    late.on('data', (d: string) => {
      text += d;
      notifies += d.split('"mining.notify"').length - 1;
    });
    late.resume();
    await waitFor('every line read', () => notifies >= rounds + 1 && text.endsWith('\n'), 30_000);
    const lines = text.split('\n').filter((l) => l.includes('"method":"mining.notify"'));
    expect(lines).toHaveLength(rounds + 1);
    for (const line of lines) {
      const params = (JSON.parse(line) as { params: string[] }).params;
      expect(params[2]).toBe(coinb1Of(params[0]!, size).toString('hex'));
    }
    expect(logs.filter((l) => l.includes('not reading'))).toEqual([]);
  });

  it('a miner that does not read holds about what it queues, not an arena per broadcast', async () => {
    // A line the kernel does not take whole keeps its Buffer alive while queued; a line from a
    // run's arena would keep the whole arena (64 KB, server.ts RUN_ARENA_BYTES) alive, for a
    // 24 KB line here. Memory is measured after full collections: the queued lines' Buffers
    // must be about the bytes queued.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const size = 12_000;
    const { stratum, port } = await serve({ maxQueuedBytes: 64 * 1024 * 1024 }, new ByteLineWork(size));
    await pausedMiner(port, stratum, 'silent');
    // The server's side of the connection: the socket it reads and writes (socket-reads.ts hands
    // the accepted one's connection to a socket of its own).
    const server = [...(stratum as unknown as { conns: Set<{ socket: Socket }> }).conns][0]?.socket;
    // Past the kernel's buffers first, then the measured broadcasts.
    while (server!.writableLength === 0) {
      stratum.broadcastWork(true);
      await new Promise((r) => setImmediate(r));
    }
    gc();
    const before = process.memoryUsage().arrayBuffers;
    const queuedBefore = server!.writableLength;
    for (let r = 0; r < 300; r++) stratum.broadcastWork(true);
    gc();
    const grew = process.memoryUsage().arrayBuffers - before;
    const queued = server!.writableLength - queuedBefore;
    expect(queued).toBeGreaterThan(300 * 2 * size);
    // An arena per broadcast would be 300 x 64 KB = 19.7 MB for 7.2 MB queued.
    expect(grew).toBeLessThan(queued + 2 * 1024 * 1024);
  });
});

describe('the worker port', () => {
  it('closes connections past its total at once', async () => {
    const { WorkerPort } = await import('../../src/node/worker-port.js');
    const stratum = new StratumServer(new FixedWork(), {});
    const port = new WorkerPort((s, first) => stratum.accept(s, first), [], { maxConnections: 2 });
    const bound = await port.listen(0, '127.0.0.1');
    cleanups.push(() => port.close(), () => stratum.close());
    const a = await open(bound, '127.0.0.1');
    const b = await open(bound, '127.0.0.1');
    const c = await open(bound, '127.0.0.1');
    await c.closed;
    expect(a.socket.destroyed || b.socket.destroyed).toBe(false);
  });

  it('ends a Stratum connection when it closes, though the connection moved to a socket of its own (socket-reads.ts)', async () => {
    const { WorkerPort } = await import('../../src/node/worker-port.js');
    const stratum = new StratumServer(new FixedWork(), {});
    const port = new WorkerPort((s, first) => stratum.accept(s, first), []);
    const bound = await port.listen(0, '127.0.0.1');
    cleanups.push(() => stratum.close());
    const miner = new StratumTestMiner({ port: bound, username: 'moved' });
    cleanups.push(() => miner.close());
    await miner.connect();
    expect((await miner.login()).result).toBe(true);
    // The port closes before the Stratum server: its close must not wait for the miner.
    await port.close();
    await waitFor('the miner disconnected', () => stratum.sessions.length === 0);
  });
});

describe('Stratum idle connections', () => {
  it('closes a connection that has sent nothing for IDLE_TIMEOUT_MS however much it was sent, and keeps one that talks', async () => {
    const clock = { ms: 1_000_000 };
    const { stratum, port, logs } = await serve({ now: () => clock.ms });
    const quiet = new StratumTestMiner({ port, username: 'quiet' });
    const talker = new StratumTestMiner({ port, username: 'talker' });
    cleanups.push(() => quiet.close(), () => talker.close());
    await quiet.connect();
    await talker.connect();
    expect((await quiet.login()).result).toBe(true);
    expect((await talker.login()).result).toBe(true);
    const housekeeping = (): void => (stratum as unknown as { housekeeping(): void }).housekeeping();
    // Work keeps going out to both (writes do not count as the miner's activity).
    clock.ms += IDLE_TIMEOUT_MS - 1000;
    stratum.broadcastWork(true);
    expect((await talker.call('mining.extranonce.subscribe', [])).result).toBe(true);
    housekeeping();
    expect(stratum.sessions).toHaveLength(2);
    clock.ms += 2000;
    stratum.broadcastWork(true);
    housekeeping();
    await waitFor('the quiet one closed', () => stratum.sessions.length === 1);
    expect(logs.some((l) => / disconnected: idle$/.test(l))).toBe(true);
  });
});
