import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** One client connection through the proxy and its upstream leg. */
interface Leg {
  client: Socket;
  upstream: Socket;
}

/**
 * A TCP proxy on 127.0.0.1 between clients and a server, to drop connections the way a network
 * does: {@link cut} destroys both legs at once, so neither side gets a WebSocket close frame
 * (both see 1006), exactly as after a Wi-Fi blip or a NAT timeout. While {@link blocked}, new
 * connections are dropped on arrival (the client stays away).
 */
export class CutProxy {
  port = 0;
  blocked = false;
  /** Connections cut so far. */
  cuts = 0;
  private readonly legs = new Set<Leg>();
  private server?: Server;

  constructor(private readonly upstreamPort: number) {}

  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (this.blocked) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: '127.0.0.1', port: this.upstreamPort });
      const leg = { client, upstream };
      this.legs.add(leg);
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => this.drop(leg);
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Connections open now. */
  get open(): number {
    return this.legs.size;
  }

  /** Cut one open connection at random; false when none is open. */
  cutRandom(): boolean {
    const legs = [...this.legs];
    const leg = legs[Math.floor(Math.random() * legs.length)];
    if (!leg) return false;
    this.cut(leg);
    return true;
  }

  /** Cut every open connection. */
  cutAll(): number {
    const legs = [...this.legs];
    for (const leg of legs) this.cut(leg);
    return legs.length;
  }

  private cut(leg: Leg): void {
    this.cuts += 1;
    this.drop(leg);
  }

  private drop(leg: Leg): void {
    if (!this.legs.delete(leg)) return;
    leg.client.destroy();
    leg.upstream.destroy();
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
