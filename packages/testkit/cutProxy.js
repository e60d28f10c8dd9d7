import { createConnection, createServer } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between clients and a server, to drop connections the way a network
 * does: a cut destroys both legs at once, so neither side gets a WebSocket close frame (both see
 * 1006), exactly as after a Wi-Fi blip or a NAT timeout. While `blocked`, new connections are
 * dropped on arrival (the client stays away, its session waits on the server).
 */
export class CutProxy {
  port = 0;
  blocked = false;
  /** Connections cut so far. */
  cuts = 0;
  #legs = new Set();
  #server;
  #upstreamPort;

  constructor(upstreamPort) {
    this.#upstreamPort = upstreamPort;
  }

  async start() {
    const server = createServer((client) => {
      if (this.blocked) return void client.destroy();
      const upstream = createConnection({ host: '127.0.0.1', port: this.#upstreamPort });
      const leg = { client, upstream };
      this.#legs.add(leg);
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => this.#drop(leg);
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    this.#server = server;
    // A storm of reconnects arrives at once; Node's default backlog (511) overflows into SYN
    // retries of a second each while this process is busy, which would show up as resume latency.
    await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  /** `ws://127.0.0.1:<port>` (no trailing slash: add a path or a query as needed). */
  get endpoint() {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Connections open now. */
  get open() {
    return this.#legs.size;
  }

  /** Cut one open connection at random; false when none is open. */
  cutRandom() {
    const legs = [...this.#legs];
    const leg = legs[Math.floor(Math.random() * legs.length)];
    if (!leg) return false;
    this.#cut(leg);
    return true;
  }

  /** Cut every open connection; returns how many. */
  cutAll() {
    const legs = [...this.#legs];
    for (const leg of legs) this.#cut(leg);
    return legs.length;
  }

  async stop() {
    this.cutAll();
    const server = this.#server;
    await new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  #cut(leg) {
    this.cuts += 1;
    this.#drop(leg);
  }

  #drop(leg) {
    if (!this.#legs.delete(leg)) return;
    leg.client.destroy();
    leg.upstream.destroy();
  }
}
