import { CloseCode, type WireData } from '@mwse/protocol';
import { HttpBodyTooLarge, type HttpHandler, type HttpRequest, type HttpResponse } from '../http/HttpTypes.js';
import { STATUS_CODES } from 'node:http';
import type { TlsOptions } from '../EngineOptions.js';
import { diagnoseListenFailure } from './ListenError.js';
import { readTlsFiles } from './readTlsFiles.js';
import type {
  Transport,
  TransportHandlers,
  TransportOptions,
  TransportSocket,
  UpgradeRequest,
} from './Transport.js';

// The few uWebSockets.js shapes used here, declared locally so the engine's published types do
// not depend on the optional package.
interface UwsWebSocket<U> {
  send(message: WireData, isBinary?: boolean): number;
  getBufferedAmount(): number;
  end(code?: number, message?: string): void;
  close(): void;
  ping(message?: string): number;
  cork(cb: () => void): unknown;
  getUserData(): U;
  getRemoteAddressAsText(): ArrayBuffer;
}
interface UwsHttpResponse {
  writeStatus(status: string): UwsHttpResponse;
  writeHeader(key: string, value: string): UwsHttpResponse;
  end(body?: WireData, closeConnection?: boolean): UwsHttpResponse;
  endWithoutBody(reportedContentLength?: number, closeConnection?: boolean): UwsHttpResponse;
  onAborted(cb: () => void): UwsHttpResponse;
  onData(cb: (chunk: ArrayBuffer, isLast: boolean) => void): UwsHttpResponse;
  cork(cb: () => void): UwsHttpResponse;
  getRemoteAddressAsText(): ArrayBuffer;
  upgrade(userData: unknown, key: string, protocol: string, extensions: string, context: unknown): void;
}
interface UwsHttpRequest {
  getMethod(): string;
  getUrl(): string;
  getQuery(): string;
  getHeader(name: string): string;
  forEach(cb: (key: string, value: string) => void): void;
}
interface UwsApp {
  ws<U>(pattern: string, behavior: Record<string, unknown>): UwsApp;
  any(pattern: string, handler: (res: UwsHttpResponse, req: UwsHttpRequest) => void): UwsApp;
  listen(host: string, port: number, options: number, cb: (socket: unknown) => void): UwsApp;
}
interface UwsAppOptions {
  key_file_name: string;
  cert_file_name: string;
  passphrase?: string;
}
/** The part of the uWebSockets.js module the transport uses. */
export interface UwsModule {
  App(): UwsApp;
  SSLApp(options: UwsAppOptions): UwsApp;
  us_listen_socket_close(socket: unknown): void;
  us_socket_local_port(socket: unknown): number;
  /** Listen without SO_REUSEPORT; older builds lack the constant (their value is 1). */
  LIBUS_LISTEN_EXCLUSIVE_PORT?: number;
  LIBUS_LISTEN_DEFAULT?: number;
}

/**
 * The frame size uWS itself accepts. Over its own limit uWS drops the TCP connection as soon as
 * it reads the frame header, with no close frame (the peer sees 1006), and no build offers a hook
 * to send one first. Below that limit it buffers the whole message, so this is also the bound on
 * what one connection can make the server hold. The headroom past `maxMessageSize` lets the
 * message handler refuse the usual oversize frame with a proper 1009: twice the limit, at least
 * 64 KiB more (cheap next to uWS's own 512 KiB receive buffer) and at most 16 MiB more.
 */
export function uwsPayloadLimit(maxMessageSize: number): number {
  return maxMessageSize + Math.min(Math.max(maxMessageSize, 64 * 1024), 16 * 1024 * 1024);
}

/**
 * Text frames as strings (uWS checked the UTF-8). A `TextDecoder` takes ~60 ns for a 120-byte
 * frame, `Buffer#toString` ~115. A byte-order mark stays in the text, as ws's `Buffer#toString`
 * keeps it: the text then lines up with the frame's bytes, which the engine may copy from, and a
 * frame that starts with one is refused by the JSON decoder on either transport.
 */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const text = (buffer: ArrayBuffer) => utf8.decode(buffer);

interface UserData<C> {
  conn?: C;
  remoteAddress: string;
  context: unknown;
}

class UwsSocket<C> implements TransportSocket {
  constructor(
    private readonly ws: UwsWebSocket<UserData<C>>,
    readonly remoteAddress: string,
  ) {}
  send(data: WireData, text = false): boolean {
    return this.ws.send(data, typeof data !== 'string' && !text) === 1;
  }
  cork(fn: () => void): void {
    this.ws.cork(fn);
  }
  bufferedAmount(): number {
    return this.ws.getBufferedAmount();
  }
  ping(): void {
    this.ws.ping();
  }
  close(code: number, reason: string): void {
    this.ws.end(code, reason);
  }
  terminate(): void {
    this.ws.close();
  }
}

/** Read what uWS only exposes during the handler call. */
function toUpgradeRequest(res: UwsHttpResponse, req: UwsHttpRequest): UpgradeRequest {
  const headers: Record<string, string> = {};
  req.forEach((key, value) => {
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  });
  return {
    path: req.getUrl(),
    query: req.getQuery() ?? '',
    headers,
    remoteAddress: text(res.getRemoteAddressAsText()),
  };
}

/** Read a uWS request into the transport-neutral shape; must run synchronously in the handler. */
function toHttpRequest(res: UwsHttpResponse, req: UwsHttpRequest, aborted: () => boolean): HttpRequest {
  let body: Promise<Uint8Array> | undefined;
  return {
    ...toUpgradeRequest(res, req),
    method: req.getMethod().toUpperCase(),
    body(limit) {
      // uWS hands the body out once, as it arrives; later calls share the first read.
      body ??= new Promise<Uint8Array>((resolve, reject) => {
        if (aborted()) return reject(new Error('request aborted'));
        const chunks: Buffer[] = [];
        let size = 0;
        let refused = false;
        res.onData((chunk, isLast) => {
          if (refused) return;
          size += chunk.byteLength;
          if (size > limit) {
            refused = true;
            reject(new HttpBodyTooLarge(limit));
            return;
          }
          chunks.push(Buffer.from(chunk.slice(0)));
          if (isLast) resolve(Buffer.concat(chunks));
        });
      });
      return body;
    },
  };
}

/**
 * uWS writes content-length itself, so a handler's own is dropped (two would make clients
 * refuse the response); for HEAD it is reported through endWithoutBody.
 */
function writeResponse(res: UwsHttpResponse, answer: HttpResponse, head: boolean, closeConnection: boolean) {
  res.cork(() => {
    res.writeStatus(`${answer.status} ${STATUS_CODES[answer.status] ?? ''}`.trim());
    let length: number | undefined;
    for (const [name, value] of Object.entries(answer.headers ?? {})) {
      if (name.toLowerCase() === 'content-length') length = Number(value);
      else res.writeHeader(name, value);
    }
    if (head) res.endWithoutBody(length ?? Buffer.byteLength(answer.body ?? ''), closeConnection);
    else res.end(answer.body ?? '', closeConnection);
  });
}

function serveHttp(handler: HttpHandler, res: UwsHttpResponse, req: UwsHttpRequest) {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const request = toHttpRequest(res, req, () => aborted);
  const head = request.method === 'HEAD';
  Promise.resolve()
    .then(() => handler(request))
    .then(
      (answer) => !aborted && writeResponse(res, answer ?? { status: 404 }, head, false),
      (error: unknown) => {
        if (aborted) return;
        const tooLarge = error instanceof HttpBodyTooLarge;
        writeResponse(res, { status: tooLarge ? 413 : 500 }, head, tooLarge);
      },
    );
}

/**
 * An SSLApp on the files in `tls`. uWS takes file names and reads them itself; they are read and
 * checked here first, since on any problem uWS says only "App construction failed".
 */
function sslApp(uws: UwsModule, tls: TlsOptions): () => UwsApp {
  readTlsFiles(tls);
  const options: UwsAppOptions = { key_file_name: tls.keyFile, cert_file_name: tls.certFile };
  if (tls.passphrase) options.passphrase = tls.passphrase;
  return () => uws.SSLApp(options);
}

/** uWebSockets.js behind the transport contract: one App (SSLApp with `tls`) serves WebSocket and HTTP. */
export function createUwsTransport(uws: UwsModule, options: TransportOptions): Transport {
  let listenSocket: unknown;
  const createApp = options.tls ? sslApp(uws, options.tls) : () => uws.App();

  return {
    name: 'uws',
    listen<C>(host: string, port: number, handlers: TransportHandlers<C>) {
      const app = createApp();
      app.ws<UserData<C>>('/*', {
        compression: 0,
        maxPayloadLength: uwsPayloadLimit(options.maxMessageSize),
        // The engine keeps its own queue and stops writing above the high-water mark, so uWS
        // must never drop: allow one full message past the mark.
        maxBackpressure: options.highWaterMark + options.maxMessageSize + 1024,
        closeOnBackpressureLimit: false,
        idleTimeout: 0,
        sendPingsAutomatically: false,
        upgrade: (res: UwsHttpResponse, req: UwsHttpRequest, context: unknown) => {
          const request = toUpgradeRequest(res, req);
          const { headers } = request;
          let aborted = false;
          res.onAborted(() => {
            aborted = true;
          });
          const answer = (decision: Awaited<ReturnType<TransportHandlers<C>['upgrade']>>) => {
            if (aborted) return;
            res.cork(() => {
              if (decision.accept) {
                const userData: UserData<C> = { remoteAddress: request.remoteAddress, context: decision.context };
                res.upgrade(
                  userData,
                  headers['sec-websocket-key'] ?? '',
                  headers['sec-websocket-protocol'] ?? '',
                  headers['sec-websocket-extensions'] ?? '',
                  context,
                );
              } else {
                res
                  .writeStatus(`${decision.status} ${STATUS_CODES[decision.status] ?? ''}`)
                  .writeHeader('content-type', 'text/plain; charset=utf-8')
                  .end(decision.message, true);
              }
            });
          };
          Promise.resolve()
            .then(() => handlers.upgrade(request))
            .then(answer, () => answer({ accept: false, status: 500, message: 'handshake failed' }));
        },
        open: (ws: UwsWebSocket<UserData<C>>) => {
          const data = ws.getUserData();
          data.conn = handlers.open(new UwsSocket(ws, data.remoteAddress), data.context);
        },
        message: (ws: UwsWebSocket<UserData<C>>, message: ArrayBuffer, isBinary: boolean) => {
          const { conn } = ws.getUserData();
          if (conn === undefined) return;
          if (message.byteLength > options.maxMessageSize) {
            ws.end(CloseCode.MessageTooBig, 'message too big');
            return;
          }
          if (isBinary) handlers.message(conn, new Uint8Array(message));
          else handlers.message(conn, text(message), message);
        },
        drain: (ws: UwsWebSocket<UserData<C>>) => {
          const { conn } = ws.getUserData();
          if (conn !== undefined) handlers.drain(conn);
        },
        pong: (ws: UwsWebSocket<UserData<C>>) => {
          const { conn } = ws.getUserData();
          if (conn !== undefined) handlers.pong(conn);
        },
        close: (ws: UwsWebSocket<UserData<C>>, code: number) => {
          const { conn } = ws.getUserData();
          if (conn !== undefined) handlers.close(conn, code);
        },
      });
      // HTTP/1.0 requests never get here: this uWS build's parser waits on them until its idle
      // timeout (docs/engine.md, Transports). Nothing in the JS API sees them to answer.
      app.any('/*', (res, req) => serveHttp(handlers.http, res, req));
      // uSockets sets SO_REUSEPORT by default: a second server on a taken port would "listen" and
      // the kernel would split connections between the two. Exclusive makes the bind fail instead,
      // unless sharing was asked for (cluster nodes on one machine, docs/cluster.md).
      const flags = options.reusePort ? (uws.LIBUS_LISTEN_DEFAULT ?? 0) : (uws.LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1);
      return new Promise<number>((resolve, reject) => {
        app.listen(host, port, flags, (socket) => {
          if (!socket) return void diagnoseListenFailure(host, port).then(reject);
          listenSocket = socket;
          resolve(uws.us_socket_local_port(socket));
        });
      });
    },
    stopListening() {
      if (listenSocket) uws.us_listen_socket_close(listenSocket);
      listenSocket = undefined;
    },
  };
}
