/**
 * A TCP relay between two of our nodes that a test can hold: while held, nothing passes in
 * either direction (the bytes wait, in order); released, everything waiting is delivered and the
 * relay passes bytes again. A node connected through it sees its peer's messages late, as over a
 * slow link: how the fair-network test makes a share arrive after the chain has moved on.
 */
import net, { type Server, type Socket } from 'node:net';

export class HoldProxy {
  private held = false;
  private readonly waiting: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(target: { host: string; port: number }): Promise<HoldProxy> {
    let proxy: HoldProxy | null = null;
    const server = net.createServer((client) => proxy!.pair(client, net.connect(target.port, target.host)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    proxy = new HoldProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  private pair(a: Socket, b: Socket): void {
    for (const s of [a, b]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        a.destroy();
        b.destroy();
      });
    }
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (d: Buffer) => {
        const send = (): void => void (to.destroyed || to.write(d));
        if (this.held) this.waiting.push(send);
        else send();
      });
    };
    forward(a, b);
    forward(b, a);
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    for (const send of this.waiting.splice(0)) send();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
