import cluster from 'node:cluster';
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WireData } from '@mwse/protocol';
import { HttpBodyTooLarge, type HttpHandler, type HttpRequest } from '../http/HttpTypes.js';
import { writeNodeResponse } from '../http/respond.js';
import { ListenError } from './ListenError.js';
import { readTlsFiles } from './readTlsFiles.js';
import type {
  Transport,
  TransportHandlers,
  TransportOptions,
  TransportSocket,
  UpgradeRequest,
} from './Transport.js';

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function toUpgradeRequest(req: IncomingMessage): UpgradeRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers: headersOf(req),
    remoteAddress: req.socket.remoteAddress ?? '',
  };
}

/** Answer a refused handshake with a plain HTTP response and close the socket. */
function refuse(socket: Duplex, status: number, message: string): void {
  const body = Buffer.from(message);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nconnection: close\r\n` +
      `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n${message}`,
  );
}

function toHttpRequest(req: IncomingMessage): HttpRequest {
  return {
    ...toUpgradeRequest(req),
    method: req.method ?? 'GET',
    body: (limit) =>
      new Promise<Uint8Array>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            req.removeAllListeners('data');
            req.pause();
            reject(new HttpBodyTooLarge(limit));
            return;
          }
          chunks.push(chunk);
        });
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
      }),
  };
}

async function serveHttp(handler: HttpHandler, req: IncomingMessage, res: ServerResponse) {
  const request = toHttpRequest(req);
  let answer;
  try {
    answer = await handler(request);
  } catch (error) {
    answer = { status: error instanceof HttpBodyTooLarge ? 413 : 500 };
    if (error instanceof HttpBodyTooLarge) res.setHeader('connection', 'close');
  }
  writeNodeResponse(res, answer ?? { status: 404 });
}

class WsSocket implements TransportSocket {
  readonly remoteAddress: string;
  constructor(
    private readonly ws: WebSocket,
    remoteAddress: string,
  ) {
    this.remoteAddress = remoteAddress;
  }
  send(data: WireData, text = false): boolean {
    this.ws.send(data, { binary: typeof data !== 'string' && !text });
    return false; // ws buffers in JS; its bufferedAmount is a cheap property read
  }
  cork(fn: () => void): void {
    // ws writes each frame with its own writev; corking the TCP socket under it sends a whole
    // flush in one, as uWS does.
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!socket) return fn();
    socket.cork();
    try {
      fn();
    } finally {
      socket.uncork();
    }
  }
  bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
  ping(): void {
    this.ws.ping();
  }
  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
  terminate(): void {
    this.ws.terminate();
  }
}

/**
 * Wire one accepted socket to the engine. Kept apart from the upgrade callback so the listeners'
 * closures do not hold the HTTP upgrade request for the connection's lifetime (~1 KB each).
 */
/** How long a socket ws reported an error on may take to send its close frame. */
const ERROR_CLOSE_GRACE = 2000;
const ABNORMAL = 1006;

/** The close code ws sends for a protocol error (kept under its own symbol); 1002 if none is found. */
function statusCodeOf(error: Error): number {
  const key = Object.getOwnPropertySymbols(error).find((symbol) => symbol.description === 'status-code');
  const code = key === undefined ? undefined : (error as unknown as Record<symbol, unknown>)[key];
  return typeof code === 'number' ? code : 1002;
}

function bind<C>(ws: WebSocket, remoteAddress: string, context: unknown, handlers: TransportHandlers<C>): void {
  const conn = handlers.open(new WsSocket(ws, remoteAddress), context);
  ws.on('message', (data: Buffer, isBinary: boolean) => handlers.message(conn, isBinary ? data : data.toString('utf8')));
  ws.on('pong', () => handlers.pong(conn));
  // The close code the server sent after a protocol error, if any: ws reports the code it
  // received, so a client that does not answer the close frame (it never does after 1009) would
  // look like a dropped network (1006), and its session would wait to be resumed.
  let sent: number | undefined;
  ws.on('close', (code: number) => handlers.close(conn, code === ABNORMAL && sent !== undefined ? sent : code));
  // ws reports a protocol error (a frame over maxPayload, text that is not UTF-8) and closes with
  // its code (1009, 1007) by itself; terminating here would drop that close frame. A socket that
  // has not closed within the grace is dropped.
  ws.on('error', (error: Error) => {
    sent = statusCodeOf(error);
    setTimeout(() => ws.terminate(), ERROR_CLOSE_GRACE).unref();
  });
  // ws has no drain event of its own; the socket under it does.
  (ws as unknown as { _socket?: Duplex })._socket?.on('drain', () => handlers.drain(conn));
}

/**
 * Connections the kernel holds for the server before it accepts them (capped by the system's
 * `net.core.somaxconn`, 4096 on current Linux). Node's default is 511: a reconnect storm of
 * more clients than that, arriving while the event loop is busy, had the rest dropped and
 * retried by TCP a second or more later (docs/performance.md, Resume storms).
 */
const LISTEN_BACKLOG = 4096;

/**
 * The `ws` library behind the transport contract, on a node:http server (node:https with `tls`)
 * that also serves HTTP.
 */
export function createWsTransport(options: TransportOptions): Transport {
  let server: Server | HttpsServer | undefined;
  // Read now, so bad files fail the engine's start before anything listens.
  const credentials = options.tls && readTlsFiles(options.tls);
  // Inside a node:cluster worker the primary holds the port and shares it already.
  if (options.reusePort && !cluster.isWorker && !nodeHasReusePort()) {
    throw new Error(
      `reusePort needs uWebSockets.js on Node ${process.versions.node} (ws shares a port only in node:cluster workers, or on Node 22.12 and later)`,
    );
  }

  return {
    name: 'ws',
    listen<C>(host: string, port: number, handlers: TransportHandlers<C>) {
      const wss = new WebSocketServer({
        noServer: true,
        maxPayload: options.maxMessageSize,
        perMessageDeflate: false,
        clientTracking: false,
      });
      const onRequest = (req: IncomingMessage, res: ServerResponse) => void serveHttp(handlers.http, req, res);
      const http = credentials ? createHttpsServer(credentials, onRequest) : createServer(onRequest);
      server = http;
      const accept = (req: IncomingMessage, socket: Duplex, head: Buffer, context: unknown) => {
        const remoteAddress = req.socket.remoteAddress ?? '';
        wss.handleUpgrade(req, socket, head, (ws) => bind(ws, remoteAddress, context, handlers));
      };
      http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        socket.on('error', () => socket.destroy());
        Promise.resolve()
          .then(() => handlers.upgrade(toUpgradeRequest(req)))
          .then(
            (decision) => {
              if (socket.destroyed) return;
              if (decision.accept) accept(req, socket, head, decision.context);
              else refuse(socket, decision.status, decision.message);
            },
            () => refuse(socket, 500, 'handshake failed'),
          );
      });
      return new Promise<number>((resolve, reject) => {
        const fail = (error: NodeJS.ErrnoException) => reject(new ListenError(error.code ?? 'UNKNOWN', host, port));
        http.once('error', fail);
        // `reusePort` is Node 22.12's option; older versions ignore unknown listen options.
        http.listen({ port, host, backlog: LISTEN_BACKLOG, ...(options.reusePort ? { reusePort: true } : {}) }, () => {
          http.off('error', fail);
          const address = http.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    stopListening() {
      server?.close();
      server?.closeIdleConnections();
    },
  };
}

/** `server.listen({ reusePort })` exists from Node 22.12 (and 23.1). */
function nodeHasReusePort(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
