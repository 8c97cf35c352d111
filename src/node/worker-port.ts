/**
 * The worker port serves three protocols on one TCP port, as the reference does (docs/mining.md): the
 * first byte decides. '{' starts a Stratum JSON line; anything else is HTTP (getwork, long
 * polling, the JSON API and the dashboard).
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** A connection that sends nothing for this long before its first byte is closed. */
const FIRST_BYTE_TIMEOUT_MS = 30_000;
/**
 * TCP connections on the worker port at once (Stratum, getwork, API, dashboard); past it the
 * kernel-accepted connection is closed at once (net.Server maxConnections). Above the Stratum
 * server's own 10,000 so that its limits (with their log line) act first.
 */
export const MAX_WORKER_PORT_CONNECTIONS = 12_000;

export class WorkerPort {
  private readonly tcp: Server;
  private readonly http = createHttpServer({ keepAliveTimeout: 5_000, headersTimeout: 10_000, requestTimeout: 0 });
  private readonly sockets = new Set<Socket>();

  constructor(
    /** Returns the socket the Stratum server serves the connection on (it may be a new one: stratum/socket-reads.ts). */
    private readonly onStratum: (socket: Socket, first: Buffer) => Socket | null | void,
    private readonly httpHandlers: HttpHandler[],
    opts: { maxConnections?: number } = {},
  ) {
    this.http.on('request', (req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      for (const h of this.httpHandlers) if (h(req, res)) return;
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    });
    this.tcp = createTcpServer((socket) => this.route(socket));
    this.tcp.maxConnections = opts.maxConnections ?? MAX_WORKER_PORT_CONNECTIONS;
  }

  private route(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      if (first[0] === 0x7b /* '{' */) {
        // The connection may now be on another socket: kept in the set, so that close() ends it too.
        const kept = this.onStratum(socket, first);
        if (kept && kept !== socket && !kept.destroyed) {
          this.sockets.add(kept);
          kept.on('close', () => this.sockets.delete(kept));
        }
      } else {
        socket.pause();
        socket.unshift(first);
        this.http.emit('connection', socket);
        socket.resume();
      }
    });
  }

  listen(port: number, host = '0.0.0.0'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(port, host, () => {
        this.tcp.off('error', reject);
        resolve((this.tcp.address() as { port: number }).port);
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.tcp.close(() => r()));
    this.http.close();
  }
}
