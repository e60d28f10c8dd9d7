import type { WebSocketLike } from '../WebSocketLike.js';

/** A frame the client sent, decoded. */
export type SentFrame = Record<string, any> & { type: string };

/**
 * A WebSocket double driven by the test as if it were the server. Nothing happens on its own:
 * the test opens it, says hello, pushes frames and drops it.
 */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  binaryType = 'blob';
  sent: SentFrame[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as SentFrame);
  }

  close(code?: number, reason?: string): void {
    this.readyState = 3;
    this.closedWith = { code, reason };
  }

  // — server side —

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  hello(socketId: string, protocol = 1, extra: object = {}): void {
    if (this.readyState !== 1) this.open();
    this.push({
      type: 'hello',
      server: 'mwse',
      version: '0.1.0',
      protocol,
      socketId,
      limits: {
        maxMessageSize: 16_777_216,
        outboundBuffer: 1024,
        pingInterval: 10_000,
        maxInfoKeys: 64,
        maxInfoBytes: 65_536,
      },
      features: [],
      ...extra,
    });
  }

  push(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** The server (or the network) drops the connection. */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  /** Sent frames of one type. */
  frames(type: string): SentFrame[] {
    return this.sent.filter((f) => f.type === type);
  }

  /** The last sent frame of one type; throws when there is none, so tests fail loudly. */
  last(type: string): SentFrame {
    const frame = this.frames(type).at(-1);
    if (!frame)
      throw new Error(
        `no "${type}" frame was sent; sent: ${this.sent.map((f) => f.type).join(', ')}`,
      );
    return frame;
  }
}

/** A fresh fake WebSocket class and the sockets made with it. */
export function fakeServer() {
  const sockets: FakeSocket[] = [];
  class WebSocket extends FakeSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return {
    WebSocket,
    sockets,
    /** The newest socket. */
    get socket(): FakeSocket {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket was opened');
      return socket;
    },
  };
}

/** Lets pending promise callbacks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export const ids = {
  me: '11111111-1111-4111-8111-111111111111',
  me2: '22222222-2222-4222-8222-222222222222',
  alice: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
  bob: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
} as const;
