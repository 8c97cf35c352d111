/**
 * A miner's connection moved to a socket that reads into one shared buffer (src/stratum/
 * socket-reads.ts), over real TCP: every byte arrives in order for each of two connections read
 * at once, writes still work, the net.Server still counts the connection (its close waits for
 * it), and a socket that already holds unread bytes is read through 'data' events instead.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readIntoSharedBuffer } from '../../src/stratum/socket-reads.js';
import { waitFor } from '../support/wait.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Deterministic bytes (xorshift32): `n` of them from `seed`. */
function bytesFrom(seed: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

interface Moved {
  first: Buffer;
  socket: Socket;
  moved: Socket;
  received: Buffer[];
  /** The Buffer objects the reads came in (the shared buffer when the connection moved). */
  readBuffers: Set<Buffer>;
  closed: Promise<void>;
}

/** A server that reads each connection's first chunk with 'data', then moves it (as the worker port and StratumServer.accept do). */
async function listen(): Promise<{ server: Server; port: number; moved: Moved[] }> {
  const moved: Moved[] = [];
  const server = createServer((socket) => {
    socket.once('data', (first: Buffer) => {
      const received: Buffer[] = [];
      const readBuffers = new Set<Buffer>();
      const m = readIntoSharedBuffer(socket, (bytes, length) => {
        readBuffers.add(bytes);
        received.push(Buffer.from(bytes.subarray(0, length)));
      });
      const closed = new Promise<void>((r) => m.once('close', () => r()));
      m.on('error', () => undefined);
      moved.push({ first, socket, moved: m, received, readBuffers, closed });
      m.write(`moved ${moved.length}\n`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { server, port: (server.address() as { port: number }).port, moved };
}

function dial(port: number): Promise<{ socket: Socket; got: () => string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.once('connect', () => {
      socket.setNoDelay(true);
      resolve({ socket, got: () => text });
    });
    socket.once('error', reject);
    cleanups.push(() => void socket.destroy());
  });
}

/** Write `bytes` in chunks of 1-700 bytes, a turn of the event loop between some of them. */
async function writeInPieces(socket: Socket, bytes: Buffer, seed: number): Promise<void> {
  const lengths = bytesFrom(seed, 4096);
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const n = 1 + ((lengths[k % lengths.length]! * 11) % 700);
    socket.write(bytes.subarray(at, at + n));
    at += n;
    if (k % 8 === 0) await new Promise((r) => setImmediate(r));
  }
}

describe('reads into the shared buffer', () => {
  it('two connections read at once each get every byte of their own, in order, and can still be written to', async () => {
    const { port, moved } = await listen();
    const a = await dial(port);
    const b = await dial(port);
    a.socket.write('a');
    await waitFor('first moved', () => moved.length === 1);
    b.socket.write('b');
    await waitFor('second moved', () => moved.length === 2);
    const bytesA = bytesFrom(1, 300_000);
    const bytesB = bytesFrom(2, 300_000);
    await Promise.all([writeInPieces(a.socket, bytesA, 3), writeInPieces(b.socket, bytesB, 4)]);
    const total = (m: Moved): number => m.received.reduce((s, x) => s + x.length, 0);
    await waitFor('every byte read', () => total(moved[0]!) === bytesA.length && total(moved[1]!) === bytesB.length);
    expect(Buffer.concat(moved[0]!.received).equals(bytesA)).toBe(true);
    expect(Buffer.concat(moved[1]!.received).equals(bytesB)).toBe(true);
    expect(moved[0]!.first.toString()).toBe('a');
    expect(moved[1]!.first.toString()).toBe('b');
    // Moved: a new socket, the accepted one closed, and every read of both in one Buffer.
    for (const m of moved) {
      expect(m.moved).not.toBe(m.socket);
      expect(m.socket.destroyed).toBe(true);
      expect(m.moved.destroyed).toBe(false);
    }
    const shared = [...moved[0]!.readBuffers, ...moved[1]!.readBuffers];
    expect(new Set(shared).size).toBe(1);
    expect(moved[0]!.received.length).toBeGreaterThan(1);
    // The answers written on the new sockets reached their miners.
    await waitFor('answers', () => a.got() === 'moved 1\n' && b.got() === 'moved 2\n');
  });

  it('the server still counts a moved connection: its close waits for it, and it ends when the miner hangs up', async () => {
    const { server, port, moved } = await listen();
    const a = await dial(port);
    a.socket.write('x');
    await waitFor('moved', () => moved.length === 1);
    const count = (): Promise<number> => new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    expect(await count()).toBe(1);
    let serverClosed = false;
    server.close(() => (serverClosed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(serverClosed).toBe(false);
    a.socket.end();
    await moved[0]!.closed;
    await waitFor('server closed', () => serverClosed);
    expect(await count()).toBe(0);
  });

  it('a socket that already holds unread bytes is read through its data events, every byte kept', async () => {
    const received: Buffer[] = [];
    const held: { socket: Socket | null; used: Socket | null } = { socket: null, used: null };
    const server = createServer((socket) => {
      // Not flowing: what arrives is read into the socket's own buffer until something reads it.
      socket.pause();
      held.socket = socket;
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const { socket: client } = await dial((server.address() as { port: number }).port);
    const bytes = bytesFrom(5, 20_000);
    client.write(bytes.subarray(0, 5_000));
    await waitFor('bytes held unread', () => (held.socket?.readableLength ?? 0) === 5_000);
    held.used = readIntoSharedBuffer(held.socket!, (b, n) => received.push(Buffer.from(b.subarray(0, n))));
    expect(held.used).toBe(held.socket);
    client.write(bytes.subarray(5_000));
    await waitFor('every byte read', () => received.reduce((s, x) => s + x.length, 0) === bytes.length);
    expect(Buffer.concat(received).equals(bytes)).toBe(true);
    held.used.destroy();
  });
});
