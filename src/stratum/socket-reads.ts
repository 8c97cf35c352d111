/**
 * Reads of a miner's socket into one buffer shared by every Stratum connection, instead of a new
 * Buffer for each read.
 *
 * Node reads an accepted socket into a fresh ArrayBuffer for every read and hands it out as a
 * new Buffer: under submit load about one of each per mining.submit. Each is garbage at once,
 * and the young generation's collection sweeps every ArrayBuffer made since the last one (up to
 * half of a scavenge under 5,000 submits/s, docs/mining.md). Node's `onread` option (a buffer
 * and a callback: the socket reads into that buffer and calls back with the byte count) removes
 * both, but Node offers it only for sockets it connects, not for a server's accepted ones. So
 * the accepted socket's TCP handle is handed to a new net.Socket made with `onread`, as Node
 * itself makes sockets around handles (`new Socket({ handle })`).
 *
 * The hand-over uses three long-standing fields of Node's net.Socket (`_handle`, its
 * `readStop`/`useUserBuffer`/`reading`, and `_server`, through which a net.Server counts its
 * connections). When any of them is missing, or the socket already holds unread bytes, nothing
 * is handed over and the socket is read with 'data' events as before: slower, never wrong.
 *
 * The bytes in the shared buffer are valid only during the callback (the next read of any
 * connection overwrites them): a reader must copy what it keeps (LineSplitter does).
 */
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';

/** Every adopted socket reads into this (64 KB: what Node reads into by default). */
const SHARED_READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

/** The parts of Node's TCP handle the hand-over uses. */
interface TcpHandleInternals {
  reading?: boolean;
  readStop?: () => number;
  useUserBuffer?: (buf: Uint8Array) => void;
}

interface SocketInternals {
  _handle?: TcpHandleInternals | null;
  _server?: unknown;
}

/**
 * `onBytes(bytes, length)` for every read of `socket` (bytes[0..length), valid only during the
 * call). Returns the socket to use from now on: a new one holding the same connection when the
 * reads could be moved into the shared buffer (`socket` is then closed without closing the
 * connection: its 'close' listeners run), else `socket` itself, read through 'data' events.
 */
export function readIntoSharedBuffer(socket: Socket, onBytes: (bytes: Buffer, length: number) => void): Socket {
  const adopted = adopt(socket, onBytes);
  if (adopted !== null) return adopted;
  socket.on('data', (chunk: Buffer) => onBytes(chunk, chunk.length));
  // A 'data' listener does not restart a socket that was paused.
  socket.resume();
  return socket;
}

function adopt(socket: Socket, onBytes: (bytes: Buffer, length: number) => void): Socket | null {
  const old = socket as Socket & SocketInternals;
  const handle = old._handle;
  if (handle === null || handle === undefined || typeof handle.readStop !== 'function' || typeof handle.useUserBuffer !== 'function') return null;
  if (socket.destroyed || socket.connecting || socket.readableLength !== 0 || socket.writableLength !== 0) return null;
  // Stop reading before the hand-over: the new socket starts it again (what the kernel receives
  // in between waits in its buffer).
  if (handle.readStop() !== 0) return null;
  handle.reading = false;
  const server = old._server;
  // The old socket lets go of the handle (so its destroy leaves the connection open) and of the
  // server (its destroy would count the connection as closed).
  old._handle = null;
  old._server = null;
  socket.destroy();
  // `handle`: how Node's own net.Server wraps an accepted connection (@types/node leaves it out).
  const opts: SocketConstructorOpts & { handle: unknown; onread: OnReadOpts } = {
    handle,
    readable: true,
    writable: true,
    onread: { buffer: SHARED_READ_BUFFER, callback: (n: number, buf: Uint8Array) => {
        onBytes(buf as Buffer, n);
        return true;
      },
    },
  };
  const fresh = new Socket(opts) as Socket & SocketInternals;
  fresh._server = server;
  return fresh;
}
