import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { FrameReader } from '../generator/FrameReader.js';
import { maskedFrame, Opcode } from '../generator/wsFrames.js';

type Handler = ((event: any) => void) | null;

/**
 * A small WebSocket client over a raw TCP socket, with the WHATWG shape the SDK takes as
 * `options.WebSocket` (readyState, binaryType, send, close, on*): the storm's SDK clients use it
 * with `--socket lean` instead of the `ws` package. It does what the storm needs and no more (no
 * TLS, no extensions, no check of Sec-WebSocket-Accept, loopback only), at a fraction of `ws`'s
 * CPU per handshake: the `ws` client builds each handshake on Node's HTTP client, the largest
 * part of the clients' CPU in a storm. In a browser the WebSocket is native and its cost is not
 * on the page's thread, so this stands in for that; the SDK's own code (reconnect, resume,
 * resend) runs unchanged on top.
 */
export class LeanSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readyState = 0;
  binaryType = 'arraybuffer';
  /** The TCP socket (named as `ws` names its own, so a storm cuts either the same way). */
  readonly _socket: Socket;
  #onopen: Handler = null;
  #onmessage: Handler = null;
  #onclose: Handler = null;
  #onerror: Handler = null;
  #reader = new FrameReader((opcode, payload) => this.#frame(opcode, payload));
  #pending: Buffer | undefined = Buffer.alloc(0);
  #closeCode = 1006;
  #closeReason = '';

  constructor(url: string) {
    const { hostname, port, pathname, search } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port), noDelay: true });
    this._socket = socket;
    socket.once('connect', () => {
      const key = randomBytes(16).toString('base64');
      socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.#pending === undefined) {
        this.#reader.push(chunk);
        return;
      }
      const received = Buffer.concat([this.#pending, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) {
        this.#pending = received;
        return;
      }
      this.#pending = undefined;
      if (!received.subarray(0, received.indexOf('\r\n')).toString('latin1').startsWith('HTTP/1.1 101')) {
        this.#onerror?.({ message: 'handshake refused' });
        socket.destroy();
        return;
      }
      this.readyState = 1;
      this.#onopen?.({});
      if (received.length > end + 4) this.#reader.push(received.subarray(end + 4));
    });
    socket.on('error', (error) => this.#onerror?.({ message: error.message }));
    socket.on('close', () => {
      this.readyState = 3;
      this.#onclose?.({ code: this.#closeCode, reason: this.#closeReason });
    });
  }

  get onopen(): Handler {
    return this.#onopen;
  }
  set onopen(fn: Handler) {
    this.#onopen = fn;
  }
  get onmessage(): Handler {
    return this.#onmessage;
  }
  set onmessage(fn: Handler) {
    this.#onmessage = fn;
  }
  get onclose(): Handler {
    return this.#onclose;
  }
  set onclose(fn: Handler) {
    this.#onclose = fn;
  }
  get onerror(): Handler {
    return this.#onerror;
  }
  set onerror(fn: Handler) {
    this.#onerror = fn;
  }

  send(data: string | Uint8Array): void {
    if (this.readyState !== 1) throw new Error('not open');
    this._socket.write(typeof data === 'string' ? maskedFrame(data) : maskedFrame(Buffer.from(data.buffer, data.byteOffset, data.byteLength), Opcode.binary));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    const wasOpen = this.readyState === 1;
    this.readyState = 2;
    if (!wasOpen) {
      this._socket.destroy();
      return;
    }
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this._socket.end(maskedFrame(payload, Opcode.close));
    this.#closeCode = code;
    this.#closeReason = reason;
  }

  #frame(opcode: number, payload: Buffer): void {
    if (opcode === Opcode.text) this.#onmessage?.({ data: payload.toString('utf8') });
    else if (opcode === Opcode.binary) this.#onmessage?.({ data: payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength) });
    else if (opcode === Opcode.ping) this._socket.write(maskedFrame(payload, Opcode.pong));
    else if (opcode === Opcode.close) {
      this.#closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.#closeReason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
      if (this.readyState === 1) this._socket.end(maskedFrame(payload.subarray(0, 2), Opcode.close));
      this.readyState = 2;
    }
  }
}
