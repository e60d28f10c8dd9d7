import WebSocket from 'ws';
import { CloseCode } from '@mwse/protocol';
import { decodeServerBinary } from '@mwse/protocol/binary';
import type { Prng } from './Prng.js';
import { binaryFrame } from './fuzzBinary.js';
import { FRAME_TYPES, mutate, validFrame, type FuzzTargets } from './fuzzFrame.js';
import { toJsonText } from './fuzzValue.js';

/** Close codes the server documents (packages/protocol/src/closeCodes.ts, docs/limits.md). */
export const DOCUMENTED_CLOSE_CODES: ReadonlySet<number> = new Set(Object.values(CloseCode));

/** What the `from` of a relayed frame is: a socket id the server made, or `server`. */
const SOCKET_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|server)$/;

/** Correlation id of the liveness probe each socket sends at the end. */
const PROBE_ID = 987_654_321;

/** One connection of a fuzzing socket, as the suite reports it. */
export interface FuzzConnection {
  /** Frames the server sent after the hello. */
  answers: number;
  /** Close code, when the server (not the suite) closed it. */
  closedBy?: { code: number; reason: string };
  /** What the client library reported, e.g. a frame from the server it could not read. */
  error?: string;
  /** The suite closed it (to come back as the same identity, or at the end). */
  dropped?: boolean;
  /** The last frames sent before the server closed it, shortened. */
  lastSent?: string[];
  /** It sent a text frame that is not UTF-8 (uWebSockets.js drops such a connection: 1006). */
  sentInvalidText?: boolean;
}

export interface FuzzSocketOptions {
  url: string;
  index: number;
  codec: 'json' | 'binary';
  prng: Prng;
  targets: FuzzTargets;
  /** Known socket ids, shared by every fuzzer: a new connection adds its own. */
  registry: Set<string>;
  maxMessageSize: number;
}

/**
 * A raw `ws` client that sends random and mutated frames of every client frame type, JSON and
 * binary, and records what came back. It never throws: what went wrong is in its counters.
 */
export class FuzzSocket {
  readonly connections: FuzzConnection[] = [];
  /** Handshakes that failed (the server refused or was gone). */
  readonly connectFailures: string[] = [];
  /** `error` frames with code `internal`: a handler failed on a valid frame. */
  readonly internalErrors: string[] = [];
  /** Text frames from the server that are not JSON (allowed only for relayed binary payloads). */
  unparseable = 0;
  /** Binary frames from the server whose header does not read back (shown as hex). */
  readonly corrupt: string[] = [];
  sent = 0;
  /** The last frames sent, shortened, to show with a failure. */
  readonly recent: string[] = [];
  private ws: WebSocket | undefined;
  private current: FuzzConnection | undefined;
  private socketId = '';
  private dropCurrent: (() => void) | undefined;
  /** The connection is new: it has not joined rooms or opened up yet. */
  private fresh = false;
  private probeAnswered: (() => void) | undefined;
  private oversizeLeft = 1;
  private nearLimitLeft = 2;
  private invalidUtf8Left = 1;

  constructor(private readonly options: FuzzSocketOptions) {}

  /** Socket id of the current connection ('' before the first hello). */
  get id(): string {
    return this.socketId;
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Open a connection and wait for its hello; false when the handshake failed. */
  async connect(timeout = 5000): Promise<boolean> {
    const { url, index, codec, registry } = this.options;
    const ws = new WebSocket(`${url}/?codec=${codec}&user=fuzz-${index}`);
    this.ws = ws;
    const connection: FuzzConnection = { answers: 0 };
    this.current = connection;
    let id = '';
    let ours = false;
    const hello = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout);
      ws.once('unexpected-response', (_req, res) => {
        this.connectFailures.push(`HTTP ${res.statusCode}`);
        resolve(false);
      });
      ws.once('error', (error) => {
        this.connectFailures.push(error.message);
        resolve(false);
      });
      ws.on('message', (data, isBinary) => {
        if (!id && !isBinary) {
          clearTimeout(timer);
          id = (JSON.parse(String(data)) as { socketId: string }).socketId;
          this.socketId = id;
          registry.add(id);
          resolve(true);
          return;
        }
        connection.answers++;
        if (isBinary) this.readBinary(data as Buffer);
        else this.read(String(data));
      });
    });
    ws.on('error', (error) => (connection.error ??= error.message));
    ws.on('close', (code, reason) => {
      registry.delete(id);
      if (ours) return;
      connection.closedBy = { code, reason: String(reason) };
      connection.lastSent = this.recent.slice(-12).map((f) => f.slice(0, 60));
    });
    // The suite's own closes are not the server's doing.
    this.dropCurrent = () => {
      ours = true;
      connection.dropped = true;
      ws.terminate();
    };
    const ok = await hello;
    this.fresh = ok;
    if (ok) this.connections.push(connection);
    else this.dropCurrent();
    return ok;
  }

  /** Close the current connection from this side (not counted as the server's close). */
  drop(): void {
    this.dropCurrent?.();
  }

  private read(text: string): void {
    let frame: { type?: string; id?: number; code?: string; nid?: string; data?: unknown; message?: string };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      this.unparseable++;
      return;
    }
    if (frame.type === 'notify' && typeof frame.nid === 'string') this.options.targets.nids.push(frame.nid);
    if (frame.type === 'error' && frame.code === 'internal') this.internalErrors.push(`${frame.message} (id ${frame.id})`);
    if (frame.type === 'result' && frame.id === PROBE_ID) this.probeAnswered?.();
    const data = frame.data as { ip?: string; number?: string; code?: string } | undefined;
    if (frame.type === 'result' && data && typeof data.ip === 'string') {
      this.options.targets.addresses.push(data.ip, String(data.number), String(data.code));
    }
  }

  /**
   * The server writes every header itself, so it must always read back: a known kind, lengths
   * inside the frame, a sender that is a socket id (a wrong length byte shifts it).
   */
  private readBinary(bytes: Buffer): void {
    const frame = decodeServerBinary(bytes);
    if (!frame || !SOCKET_ID.test(frame.from)) this.corrupt.push(bytes.subarray(0, 48).toString('hex'));
  }

  /** One fuzz frame: mostly JSON frames (valid, then often mutated), binary ones, and oddities. */
  private nextFrame(): string | Uint8Array | { text: Uint8Array } {
    const { prng, targets, maxMessageSize } = this.options;
    const seq = this.sent;
    const json = () => {
      const frame = validFrame(prng, targets, prng.pick(FRAME_TYPES), seq);
      if (prng.chance(0.55)) for (let i = prng.int(1, 3); i > 0; i--) mutate(prng, frame);
      return toJsonText(frame);
    };
    const roll = prng.next();
    if (roll < 0.64) return json();
    if (roll < 0.9) return binaryFrame(prng, targets, seq, json);
    if (roll < 0.95) return prng.pick(['', ' ', '{"type":', '[1,2]', 'null', '"text"', '1e999', '{}', '{"type":null}', '{"type":"pack/to"}{}']);
    if (roll < 0.97 && this.nearLimitLeft > 0) {
      this.nearLimitLeft--;
      const to = targets.peers()[0] ?? 'nobody';
      return JSON.stringify({ type: 'pack/to', to, pack: 'n'.repeat(maxMessageSize - 200) });
    }
    if (roll < 0.98 && this.oversizeLeft > 0) {
      this.oversizeLeft--;
      return JSON.stringify({ type: 'pack/room', room: 'fuzz-a', pack: 'o'.repeat(maxMessageSize + 10) });
    }
    if (roll < 0.99 && this.invalidUtf8Left > 0) {
      this.invalidUtf8Left--;
      // Bytes that are not UTF-8, sent in a text message.
      return { text: Uint8Array.from([0x7b, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x7d]) };
    }
    return json();
  }

  /**
   * The first frames of a connection, valid ones: join a shared room or two and take direct
   * traffic from anyone, so what the others send is really delivered (and relayed back).
   */
  private readonly openingFrames: (() => string)[] = [
    () => JSON.stringify({ type: 'session/set', id: 1, flags: { pairauth: false } }),
    () => JSON.stringify({ type: 'room/create', id: 2, name: this.options.prng.pick(this.options.targets.rooms), ifexistsJoin: true }),
    () => JSON.stringify({ type: 'room/create', id: 3, name: this.options.prng.pick(this.options.targets.rooms), ifexistsJoin: true }),
  ];
  private openingAt = 0;

  private opening(): string {
    const frame = this.openingFrames[this.openingAt++]!();
    if (this.openingAt === this.openingFrames.length) {
      this.openingAt = 0;
      this.fresh = false;
    }
    return frame;
  }

  /**
   * Send up to `count` frames until `deadline`, in small batches with pauses (a bounded rate),
   * reconnecting at most `maxReconnects` times when the server closed the socket; stops early
   * once `going()` is false (the server died: nothing more to learn).
   */
  async run(count: number, deadline: number, maxReconnects: number, going: () => boolean): Promise<void> {
    const { prng } = this.options;
    let reconnects = 0;
    while (this.sent < count && Date.now() < deadline && going()) {
      if (!this.open) {
        if (reconnects++ >= maxReconnects || !(await this.connect())) return;
      }
      for (let i = 0; i < 8 && this.open && this.sent < count; i++) {
        const frame = this.fresh ? this.opening() : this.nextFrame();
        this.remember(frame);
        if (typeof frame === 'string') this.ws!.send(frame);
        else if (frame instanceof Uint8Array) this.ws!.send(frame, { binary: true });
        else {
          this.current!.sentInvalidText = true;
          this.ws!.send(frame.text, { binary: false });
        }
        this.sent++;
      }
      // Now and then come back as the same identity: stored notifications are delivered on connect.
      if (prng.chance(0.01) && reconnects < maxReconnects) this.drop();
      await new Promise((r) => setTimeout(r, prng.int(5, 15)));
    }
  }

  /** Ask the server something on a live connection (reconnecting if needed); true once answered. */
  async probe(timeout = 5000): Promise<boolean> {
    if (!this.open && !(await this.connect())) return false;
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout);
      this.probeAnswered = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    this.ws!.send(JSON.stringify({ type: 'peer/reachable', id: PROBE_ID, peer: this.socketId }));
    return answered;
  }

  /**
   * Ask to pair with `watch` (so each watches the other) and join `room`, for the mass
   * disconnect; resolves once the server answered or after `timeout`.
   */
  async join(room: string, watch: string, timeout = 5000): Promise<void> {
    if (!this.open) return;
    const ws = this.ws!;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeout);
      const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
        if (isBinary) return;
        const text = String(data);
        if (text.includes('"id":424242')) {
          clearTimeout(timer);
          ws.off('message', onMessage);
          resolve();
        }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ type: 'pair/request', id: 424241, to: watch }));
      ws.send(JSON.stringify({ type: 'room/create', id: 424242, name: room, ifexistsJoin: true }));
    });
  }

  private remember(frame: string | Uint8Array | { text: Uint8Array }): void {
    const shown =
      typeof frame === 'string'
        ? frame.slice(0, 160)
        : frame instanceof Uint8Array
          ? `binary[${frame.length}] ${Buffer.from(frame.subarray(0, 40)).toString('hex')}`
          : `text bytes ${Buffer.from(frame.text).toString('hex')}`;
    this.recent.push(shown);
    if (this.recent.length > 12) this.recent.shift();
  }
}
