import type { Socket } from 'node:net';
import { FrameReader } from './FrameReader.js';
import { readStamp } from './stamps.js';
import { Opcode, maskedFrame } from './wsFrames.js';
import type { RawWebSocket } from './openWebSocket.js';

const BACKLOG = 16;
/**
 * As `@mwse/client` acks a resumable session (its `ResumableSession.ts`): after this many counted
 * frames or bytes, whichever first, and at most `ACK_DELAY` ms after the first one not yet acked.
 */
export const ACK_EVERY = 256;
export const ACK_BYTES = 1024 * 1024;
export const ACK_DELAY = 25;

/**
 * `session/ack` frames of every resumable connection of this process so far: those the
 * connections sent, and those the server sent them. A workload reads the change over its
 * window (`measure.ts`): a count, which the load on the machine does not move as it moves times.
 */
export const sessionAcks = { sent: 0, received: 0 };

/** A decoded inbound message: text frames as strings, binary frames as bytes. */
export type Inbound = string | Buffer;
/** An outbound message: strings go as text frames, bytes as binary frames. */
export type Outbound = string | Uint8Array;

type Waiter = { match: (msg: Inbound) => boolean; resolve: (msg: Inbound) => void };

function frameOf(message: Outbound): Buffer {
  return typeof message === 'string' ? maskedFrame(message) : maskedFrame(Buffer.from(message), Opcode.binary);
}

/**
 * One generator connection. Two modes: while a workload sets up, every message is decoded and
 * offered to `waitFor` and `onMessage`; while it measures, the reader only counts frames and
 * `onCount` answers each batch of them (usually by writing more pre-built frames).
 */
export class Connection {
  /** The id the server gave this connection (MWSE socketId, Socket.IO sid). */
  id = '';
  /** Messages not taken by a waiter, e.g. requests and responses in the latency workload. */
  onMessage: (msg: Inbound) => void = () => {};
  /** Sees every decoded message first; true = handled (protocol keep-alives). */
  intercept: (msg: Inbound) => boolean = () => false;
  /** Frames delivered since the last call, in count mode. */
  onCount: (frames: number) => void = () => {};
  closed = false;
  /**
   * Set by {@link ackSession}: server frames counted since the hello, and the count last
   * acknowledged, so a resumable session is acked the way the SDK does it.
   */
  private session: { received: number; acked: number; ackedBytes: number; timer: NodeJS.Timeout | undefined } | undefined;

  private readonly socket: Socket;
  private readonly reader: FrameReader;
  private readonly waiters: Waiter[] = [];
  /** Recent messages no waiter took yet (the hello may arrive with the handshake response). */
  private readonly backlog: Inbound[] = [];
  private batch = Buffer.alloc(0);
  private frameLength = 0;

  constructor(raw: RawWebSocket) {
    this.socket = raw.socket;
    this.reader = new FrameReader((opcode, payload) => this.frame(opcode, payload));
    this.socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      const n = this.reader.take();
      if (n > 0) {
        if (this.session) this.countForAck(n);
        this.onCount(n);
      }
    });
    this.socket.on('close', () => {
      this.closed = true;
      if (this.session) clearTimeout(this.session.timer);
    });
    this.socket.on('error', () => {});
    if (raw.head.length > 0) this.reader.push(raw.head);
  }

  /**
   * From now on (right after a resumable hello), count the server's frames and send
   * `session/ack` with the cadence of `@mwse/client` ({@link ACK_EVERY}), so the server trims
   * its replay buffer as it would for the SDK; its own `session/ack` frames are taken here and
   * not offered to the workload (they are not deliveries).
   */
  ackSession(): void {
    this.session = { received: 0, acked: 0, ackedBytes: this.reader.countedBytes, timer: undefined };
    const previous = this.intercept;
    this.intercept = (msg) => {
      if (typeof msg === 'string' && msg.startsWith('{"type":"session/ack"')) {
        sessionAcks.received += 1;
        return true;
      }
      if (previous(msg)) return true;
      this.countForAck(1);
      return false;
    };
  }

  private countForAck(n: number): void {
    const session = this.session!;
    session.received += n;
    // The server's own acks are in the byte count too (about 35 bytes each): close enough.
    if (session.received - session.acked >= ACK_EVERY || this.reader.countedBytes - session.ackedBytes >= ACK_BYTES) {
      this.ack();
      return;
    }
    session.timer ??= setTimeout(this.ack, ACK_DELAY);
  }

  private readonly ack = (): void => {
    const session = this.session!;
    clearTimeout(session.timer);
    session.timer = undefined;
    if (session.received === session.acked || this.closed) return;
    session.acked = session.received;
    session.ackedBytes = this.reader.countedBytes;
    sessionAcks.sent += 1;
    this.socket.write(maskedFrame(`{"type":"session/ack","seq":${session.received}}`));
  };

  /** Count frames instead of decoding them; `keepUpTo` bytes or fewer are still decoded. */
  countOnly(keepUpTo = 0): void {
    this.reader.decode = false;
    this.reader.keepUpTo = keepUpTo;
  }

  /**
   * Count frames as {@link countOnly} does and read the send stamp of each longer one
   * (stamps.ts): `onStamp` gets it in microseconds (-1 for a frame without one).
   */
  stampOnly(keepUpTo: number, onStamp: (sentMicros: number) => void): void {
    this.countOnly(keepUpTo);
    this.reader.sample = (payload) => onStamp(readStamp(payload));
  }

  /** Write bytes as they are (frames built by the caller, e.g. {@link StampedFrame.fill}). */
  write(frames: Buffer): void {
    if (!this.closed) this.socket.write(frames);
  }

  decodeAll(): void {
    this.reader.decode = true;
  }

  /** Send one message (built and masked now: for set-up and low-rate traffic). */
  send(message: Outbound): void {
    this.socket.write(frameOf(message));
  }

  /** Resolve with the first message that `match` accepts. */
  waitFor(match: (msg: Inbound) => boolean, timeoutMs = 5000): Promise<Inbound> {
    const early = this.backlog.findIndex(match);
    if (early !== -1) return Promise.resolve(this.backlog.splice(early, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (msg) => {
          clearTimeout(timer);
          resolve(msg);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error('timed out waiting for a frame from the server'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * Pre-build `copies` back-to-back copies of one message, so that sending n of them later is
   * one `write` of a slice: no allocation, masking or encoding per message.
   */
  load(message: Outbound, copies: number): void {
    const frame = frameOf(message);
    this.frameLength = frame.length;
    this.batch = Buffer.concat(Array.from({ length: copies }, () => frame));
  }

  /** Write `n` copies of the loaded message (in slices of at most the loaded number). */
  sendLoaded(n: number): void {
    const max = this.batch.length / this.frameLength;
    while (n > 0 && !this.closed) {
      const k = Math.min(n, max);
      this.socket.write(this.batch.subarray(0, k * this.frameLength));
      n -= k;
    }
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private frame(opcode: number, payload: Buffer): void {
    if (opcode === Opcode.ping) {
      this.socket.write(maskedFrame(payload, Opcode.pong));
      return;
    }
    if (opcode !== Opcode.text && opcode !== Opcode.binary) return;
    const msg = opcode === Opcode.text ? payload.toString('utf8') : payload;
    if (this.intercept(msg)) return;
    const i = this.waiters.findIndex((w) => w.match(msg));
    if (i === -1) {
      this.backlog.push(msg);
      if (this.backlog.length > BACKLOG) this.backlog.shift();
      this.onMessage(msg);
      return;
    }
    const [waiter] = this.waiters.splice(i, 1);
    waiter!.resolve(msg);
  }
}
