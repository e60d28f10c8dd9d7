import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { MediaError } from '../MediaBackend.js';

/** A message from Janus (its JSON API: `janus` is the message kind). */
export interface JanusMessage {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id?: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: { type: string; sdp: string };
  reason?: string;
}

interface Pending {
  resolve(message: JanusMessage): void;
  reject(error: Error): void;
  /** `ack` is only an interim answer for asynchronous plugin messages. */
  acceptAck: boolean;
}

/**
 * One WebSocket to Janus (subprotocol `janus-protocol`) and one Janus session on it: requests
 * correlated by transaction, keepalives, and a `lost` callback once the socket closes, errors or
 * a keepalive goes unanswered for two intervals (a frozen Janus keeps its socket open and answers
 * nothing; a Janus starved of CPU answers late, and one late answer is not a loss).
 */
export class JanusConnection {
  private readonly pending = new Map<string, Pending>();
  private readonly handlers = new Map<number, (message: JanusMessage) => void>();
  private keepalive: NodeJS.Timeout | undefined;
  private sessionId = 0;
  private dead = false;

  private constructor(
    private readonly socket: WebSocket,
    private readonly onLost: (reason: string) => void,
  ) {}

  /** Connect and create a session, both before `signal` fires. */
  static async open(url: string, signal: AbortSignal, keepaliveMs: number, onLost: (reason: string) => void): Promise<JanusConnection> {
    const socket = new WebSocket(url, 'janus-protocol', { handshakeTimeout: 30_000 });
    const connection = new JanusConnection(socket, onLost);
    await new Promise<void>((resolve, reject) => {
      const abort = () => {
        socket.terminate();
        reject(new MediaError('media-unavailable', `Janus at ${url} did not accept a connection in time`));
      };
      if (signal.aborted) abort();
      signal.addEventListener('abort', abort, { once: true });
      socket.once('open', () => {
        signal.removeEventListener('abort', abort);
        resolve();
      });
      socket.once('error', (error) => {
        signal.removeEventListener('abort', abort);
        reject(new MediaError('media-unavailable', `Janus at ${url} is unreachable: ${error.message}`));
      });
    });
    socket.on('message', (data) => connection.receive(String(data)));
    socket.on('close', () => connection.lose('the connection to Janus closed'));
    socket.on('error', (error) => connection.lose(`the connection to Janus failed: ${error.message}`));
    let created: JanusMessage;
    try {
      created = await connection.request({ janus: 'create' }, signal);
    } catch (error) {
      // Connected but no session in time (a Janus that froze just now): leave nothing open.
      connection.dead = true;
      socket.terminate();
      throw error;
    }
    connection.sessionId = created.data?.id ?? 0;
    connection.keepalive = setInterval(() => connection.ping(2 * keepaliveMs), keepaliveMs);
    connection.keepalive.unref();
    return connection;
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Send a session-level request and wait for its `success` (or, with `acceptAck`, its `ack`). */
  request(body: Record<string, unknown>, signal: AbortSignal, acceptAck = false): Promise<JanusMessage> {
    if (this.dead) return Promise.reject(new MediaError('media-unavailable', 'the connection to Janus is gone'));
    const transaction = randomBytes(9).toString('base64url');
    return new Promise<JanusMessage>((resolve, reject) => {
      const done = () => {
        this.pending.delete(transaction);
        signal.removeEventListener('abort', abort);
      };
      const abort = () => {
        done();
        reject(new MediaError('media-unavailable', `Janus did not answer ${String(body.janus)} in time`));
      };
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      this.pending.set(transaction, {
        acceptAck,
        resolve: (m) => {
          done();
          resolve(m);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      const message = { ...body, transaction, ...(this.sessionId ? { session_id: this.sessionId } : {}) };
      this.socket.send(JSON.stringify(message));
    });
  }

  /** Attach a plugin handle; `onEvent` gets its asynchronous events (and its hang-ups). */
  async attach(plugin: string, signal: AbortSignal, onEvent: (message: JanusMessage) => void): Promise<number> {
    const answer = await this.request({ janus: 'attach', plugin }, signal);
    const handle = answer.data?.id;
    if (!handle) throw new MediaError('media-unavailable', 'Janus attached no handle');
    this.handlers.set(handle, onEvent);
    return handle;
  }

  /** A synchronous plugin request (`create`, `rtp_forward`, `destroy`…): its plugin data. */
  async pluginRequest(handle: number, body: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const answer = await this.request({ janus: 'message', handle_id: handle, body }, signal);
    return pluginData(answer);
  }

  /**
   * An asynchronous plugin request (`join`, `publish`, `watch`…): Janus acks it, then sends an
   * `event` with the same transaction carrying the result and maybe a JSEP.
   */
  async pluginEvent(
    handle: number,
    body: Record<string, unknown>,
    signal: AbortSignal,
    jsep?: { type: string; sdp: string },
  ): Promise<{ data: Record<string, unknown>; jsep?: { type: string; sdp: string } }> {
    const answer = await this.request({ janus: 'message', handle_id: handle, body, ...(jsep ? { jsep } : {}) }, signal);
    return { data: pluginData(answer), ...(answer.jsep ? { jsep: answer.jsep } : {}) };
  }

  /** Detach a handle; waits at most until `signal` fires. */
  async detach(handle: number, signal: AbortSignal): Promise<void> {
    this.handlers.delete(handle);
    if (this.dead) return;
    await this.request({ janus: 'detach', handle_id: handle }, signal).catch(() => {});
  }

  close(): void {
    if (this.dead) return;
    this.dead = true;
    clearInterval(this.keepalive);
    if (this.sessionId) this.socket.send(JSON.stringify({ janus: 'destroy', session_id: this.sessionId, transaction: 'bye' }));
    this.socket.close();
    this.failPending('the connection to Janus was closed');
    setTimeout(() => this.socket.terminate(), 1000).unref();
  }

  private ping(deadline: number): void {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), deadline);
    timer.unref();
    this.request({ janus: 'keepalive' }, controller.signal, true)
      .catch(() => this.lose('Janus did not answer a keepalive in time'))
      .finally(() => clearTimeout(timer));
  }

  private lose(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    clearInterval(this.keepalive);
    this.socket.terminate();
    this.failPending(reason);
    this.handlers.clear();
    this.onLost(reason);
  }

  private failPending(reason: string): void {
    for (const pending of [...this.pending.values()]) pending.reject(new MediaError('media-unavailable', reason));
    this.pending.clear();
  }

  private receive(text: string): void {
    let message: JanusMessage;
    try {
      message = JSON.parse(text) as JanusMessage;
    } catch {
      return;
    }
    const pending = message.transaction === undefined ? undefined : this.pending.get(message.transaction);
    if (pending) {
      if (message.janus === 'ack' && !pending.acceptAck) return;
      if (message.janus === 'error') {
        pending.reject(new MediaError('media-refused', `Janus: ${message.error?.reason ?? 'error'} (${message.error?.code ?? '?'})`));
        return;
      }
      const refusal = pluginError(message);
      if (refusal) pending.reject(new MediaError('media-refused', refusal));
      else pending.resolve(message);
      return;
    }
    if (message.sender !== undefined) this.handlers.get(message.sender)?.(message);
    else if (message.janus === 'timeout') this.lose('Janus timed the session out');
  }
}

function pluginData(message: JanusMessage): Record<string, unknown> {
  return message.plugindata?.data ?? {};
}

/** A plugin answers a refusal as a `success`/`event` whose data has `error`. */
function pluginError(message: JanusMessage): string | undefined {
  const data = message.plugindata?.data;
  if (!data || data.error === undefined) return undefined;
  return `Janus ${message.plugindata?.plugin ?? 'plugin'}: ${String(data.error)} (${String(data.error_code ?? '?')})`;
}
