import { afterAll, afterEach, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine, type EngineOptions, type Logger } from '@mwse/engine';
import MWSE from '@mwse/client';
import { startRedis } from '@mwse/testkit/redis';
import { clusterFixtureOn } from './clusterMode.js';

/** The suites run on the cluster fixture (two nodes on one Redis): see `clusterSuites.test.ts`. */
export const CLUSTER = clusterFixtureOn();

/**
 * Every integration suite runs once per transport (engine.io's EIO_WS_ENGINE, done as a loop).
 * The cluster fixture (`clusterSuites.test.ts`) runs them once, on uWS with binary frames.
 */
export const TRANSPORTS = CLUSTER ? (['uws'] as const) : (['uws', 'ws'] as const);
export type TransportUnderTest = 'uws' | 'ws';

/** The SDK's two wire formats for tunnel traffic. */
export const CODECS = CLUSTER ? (['binary'] as const) : (['binary', 'json'] as const);
export type CodecUnderTest = 'binary' | 'json';

/** SDK suites run on every transport with every codec. */
export const SETUPS = TRANSPORTS.flatMap((t) => CODECS.map((c) => [t, c] as const));

export function endpointOf(engine: Engine): string {
  return `ws://127.0.0.1:${engine.port}`;
}

/** The engine's HTTP base URL (same port as the WebSocket endpoint). */
export function httpOf(engine: Engine): string {
  return `http://127.0.0.1:${engine.port}`;
}

/**
 * A real engine on an ephemeral port for the suite, and clients that are closed after each test.
 * `options` may be a function, read when the engine starts (after earlier `beforeAll` hooks, e.g.
 * a stub HTTP server whose URL the engine needs).
 */
/**
 * `MWSE_TEST_RESUME_GRACE=120000` runs every `useServer` suite with sessions kept, as
 * `mwse-server` keeps them (the library default is off); a suite's own `resumeGrace` wins.
 */
const resumeGraceUnderTest = process.env.MWSE_TEST_RESUME_GRACE === undefined ? undefined : Number(process.env.MWSE_TEST_RESUME_GRACE);

export function useServer(
  transport: TransportUnderTest,
  options: EngineOptions | (() => EngineOptions) = {},
  codec: CodecUnderTest = 'binary',
) {
  const state = {
    /** The engine (in the cluster fixture: the first node). */
    engine: undefined as unknown as Engine,
    /** Every node: one engine, or the cluster fixture's two. */
    engines: [] as Engine[],
    clients: [] as MWSE[],
    sockets: [] as WebSocket[],
    /** The cluster fixture's redis-server port (0 on a single node). */
    redisPort: 0,
  };
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  /** Connections of this test so far: in the cluster fixture they alternate between the nodes. */
  let opened = 0;
  beforeAll(async () => {
    const resolved = typeof options === 'function' ? options() : options;
    const sessions = resumeGraceUnderTest === undefined ? {} : { resumeGrace: resumeGraceUnderTest };
    if (CLUSTER) {
      redis = await startRedis({ appendonly: false });
      state.redisPort = redis.port;
      // A long lease: these suites test features, and a test process running 1,000 clients on a
      // shared machine can stall past the default 3 s (liveness is tested in cluster.test.ts).
      for (const nodeId of ['node-a', 'node-b']) {
        state.engines.push(await createEngine({ host: '127.0.0.1', port: 0, transport, ...sessions, ...resolved, cluster: { redis: redis.url, nodeId, lease: 10_000 } }));
      }
      // A node learns of a newer one from its announcement on the bus: until then an id of the
      // newer node is `unreachable` there (docs/cluster.md, "Routing without lookups"). The
      // suites test features, not that window: start once each node knows both.
      await eventually(() => state.engines.every((engine) => engine.hub.cluster!.nodes.length === 2), 10_000, 'both nodes to know each other');
    } else {
      state.engines.push(await createEngine({ host: '127.0.0.1', port: 0, transport, ...sessions, ...resolved }));
    }
    state.engine = state.engines[0]!;
    if (state.engine.transport !== transport) throw new Error(`wanted ${transport}, got ${state.engine.transport}`);
  });
  afterEach(() => {
    opened = 0;
    for (const c of state.clients.splice(0)) c.close();
    for (const s of state.sockets.splice(0)) s.terminate();
  });
  afterAll(async () => {
    await Promise.all(state.engines.map((engine) => engine.close()));
    await redis?.stop();
  });

  /** The endpoint the next connection goes to (in the cluster fixture, the nodes in turn). */
  const nextEndpoint = () => endpointOf(state.engines[opened++ % state.engines.length]!);

  /**
   * A connected, scoped SDK client (no auto-reconnect, so tests see what happens). `query` is
   * added to the endpoint (what a bridge approver sees, e.g. `user=alice`).
   */
  async function client(options: Record<string, unknown> = {}, query = ''): Promise<MWSE> {
    const mwse = unscoped(options, query);
    await new Promise<void>((resolve) => mwse.scope(() => resolve()));
    return mwse;
  }

  /** An SDK client that is still connecting: listeners added now see the first frames. */
  function unscoped(options: Record<string, unknown> = {}, query = ''): MWSE {
    const endpoint = `${nextEndpoint()}/${query ? `?${query}` : ''}`;
    const mwse = new MWSE({ endpoint, reconnect: false, codec, ...options });
    state.clients.push(mwse);
    return mwse;
  }

  /** A raw WebSocket speaking the wire protocol by hand, for malformed input. */
  async function raw(options: HandshakeOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(`${nextEndpoint()}${options.path ?? '/'}`, {
      headers: options.headers ?? {},
      ...(options.origin === undefined ? {} : { origin: options.origin }),
    });
    state.sockets.push(ws);
    const rawClient = new RawClient(ws);
    await rawClient.next('hello');
    return rawClient;
  }

  /** Attempt a handshake: the open socket, or the HTTP status the server refused it with. */
  function handshake(options: HandshakeOptions = {}): Promise<Handshake> {
    return attemptHandshake(nextEndpoint(), options, state.sockets);
  }

  return { state, client, unscoped, raw, handshake };
}

/** What a test handshake sends besides the WebSocket headers. */
export interface HandshakeOptions {
  /** Path and query, e.g. `/?user=alice` (default `/`). */
  path?: string;
  headers?: Record<string, string>;
  origin?: string;
}

/** A handshake's outcome: the server's hello on an open socket, or the refusal's status and body. */
export type Handshake =
  | { accepted: true; ws: WebSocket; hello: Frame }
  | { accepted: false; status: number; body: string };

/** Open a WebSocket to `endpoint` and report whether the server accepted it. */
export function attemptHandshake(endpoint: string, options: HandshakeOptions, track?: WebSocket[]): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${endpoint}${options.path ?? '/'}`, {
      headers: options.headers ?? {},
      ...(options.origin === undefined ? {} : { origin: options.origin }),
    });
    track?.push(ws);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ accepted: false, status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ accepted: false, status: res.statusCode ?? 0, body }));
    });
    ws.once('message', (data) => resolve({ accepted: true, ws, hello: JSON.parse(String(data)) as Frame }));
    ws.once('error', (error) => reject(error));
  });
}

type Frame = Record<string, unknown> & { type: string };

/** Collects server frames of a raw socket and waits for them by type. */
export class RawClient {
  readonly frames: Frame[] = [];
  private waiters: { type: string; resolve: (f: Frame) => void }[] = [];
  readonly closed: Promise<number>;
  socketId = '';
  /** The last hello this socket got. */
  hello: Frame | undefined;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      if (frame.type === 'hello') {
        this.socketId = frame.socketId as string;
        this.hello = frame;
      }
      const i = this.waiters.findIndex((w) => w.type === frame.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  send(data: string | Buffer | object): void {
    this.ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));
  }

  next(type: string, timeout = 2000): Promise<Frame> {
    const i = this.frames.findIndex((f) => f.type === type);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]!);
    return withTimeout(
      new Promise<Frame>((resolve) => this.waiters.push({ type, resolve })),
      timeout,
      `no "${type}" frame`,
    );
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

/** Resolve with the arguments of the next `event` on `emitter`. */
export function once<T extends unknown[] = unknown[]>(
  emitter: { on(event: string, fn: (...args: never[]) => void): unknown },
  event: string,
  ms = 2000,
): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve) => emitter.on(event, ((...args: T) => resolve(args)) as never)),
    ms,
    `no "${event}" event`,
  );
}

/** Wait until `check` is true (polling), for state the server changes asynchronously. */
export async function eventually(check: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Let in-flight frames arrive (to prove something did NOT happen). */
export const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

/** A logger that keeps what the engine reports, for tests that check what was logged. */
export function recordingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, message, fields });
  const logger: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
  return { logger, lines };
}

/** What a test reads of the slow peer's outbound queue. */
export interface QueueMarks {
  readonly queue: { readonly highWater: number; readonly highWaterBytes: number; readonly length: number };
}

/**
 * Make a raw client stop reading (its TCP socket paused: the kernel buffers fill, then the
 * transport's, then the engine's queue) and flood it from `sender` with `count` packs of `size`
 * bytes, paced in batches, until the server forgets it or the packs run out. Resolves with the
 * slow client's peer as the server held it, for its queue's high-water marks.
 */

export async function floodPausedReader(engine: Engine, sender: RawClient, slow: RawClient, size: number, count: number): Promise<QueueMarks> {
  slow.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
  await slow.next('result');
  const slowPeer = engine.hub.peer(slow.socketId)!;
  (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const pack = 'z'.repeat(size);
  for (let i = 0; i < count && engine.hub.peer(slow.socketId); i++) {
    sender.send({ type: 'pack/to', to: slow.socketId, pack });
    if (i % 10 === 9) await settle(20);
  }
  return slowPeer;
}
