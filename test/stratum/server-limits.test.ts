/**
 * The Stratum server's resource limits over real TCP (docs/operations.md "Limits"): total and
 * per-address connection caps (loopback 127.0.0.1 exempt from the latter; 127.0.0.2 is another
 * address here), refusals logged once a minute per reason, and a miner that never reads its
 * socket cut off at the write-buffer limit while a reading miner keeps being served.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StratumServer } from '../../src/stratum/server.js';
import { FixedWork } from '../support/fixed-work.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { waitFor } from '../support/wait.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(opts: ConstructorParameters<typeof StratumServer>[1]): Promise<{ stratum: StratumServer; port: number; logs: string[] }> {
  const logs: string[] = [];
  const stratum = new StratumServer(new FixedWork(), { ...opts, log: (m) => logs.push(m) });
  const tcp: Server = createServer((s) => stratum.accept(s));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => tcp.close(() => r())), () => stratum.close());
  return { stratum, port: (tcp.address() as { port: number }).port, logs };
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
});
