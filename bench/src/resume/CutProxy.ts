import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that drops connections the way a network does: {@link cutAll}
 * destroys both legs of every connection at once, so neither end gets a WebSocket close frame
 * (both see 1006). While {@link blocked}, new connections are dropped on arrival, which keeps
 * the clients away (their sessions wait on the server).
 */
export class CutProxy {
  port = 0;
  blocked = false;
  private readonly legs = new Set<[Socket, Socket]>();
  private server: Server | undefined;

  constructor(private readonly upstreamPort: number) {}

  async start(): Promise<this> {
    const server = createServer((client) => {
      if (this.blocked) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: '127.0.0.1', port: this.upstreamPort });
      const leg: [Socket, Socket] = [client, upstream];
      this.legs.add(leg);
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => this.drop(leg);
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    this.server = server;
    // A storm of reconnects arrives at once; Node's default backlog (511) overflows into SYN
    // retries of a second each while this process is busy, which would be measured as resume latency.
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  /** Connections open now. */
  get open(): number {
    return this.legs.size;
  }

  /** Cut every open connection; returns how many. */
  cutAll(): number {
    const legs = [...this.legs];
    for (const leg of legs) this.drop(leg);
    return legs.length;
  }

  private drop(leg: [Socket, Socket]): void {
    if (!this.legs.delete(leg)) return;
    leg[0].destroy();
    leg[1].destroy();
  }

  async stop(): Promise<void> {
    this.cutAll();
    const server = this.server;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
