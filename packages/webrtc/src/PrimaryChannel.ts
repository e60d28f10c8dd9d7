/** The label of the primary data channel; other labels belong to file transfers or the app. */
export const PRIMARY_LABEL = 'mwse';

/** Messages `send` keeps while the channel is (re)opening. */
const QUEUE_LIMIT = 1024;

/** What {@link PrimaryChannel} reports. */
export interface PrimaryChannelEvents {
  data(data: unknown): void;
  open(): void;
  close(): void;
  error(error: Error): void;
}

type Binary = ArrayBuffer | ArrayBufferView | Blob;

function isBinary(data: unknown): data is Binary {
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data) || (typeof Blob !== 'undefined' && data instanceof Blob);
}

/**
 * The engine's primary data channel. One side (the impolite one) creates it; whenever it closes
 * while the peer connection lives, that side opens a new one and the other side adopts it, so
 * `send` keeps working. Messages sent while no channel is open wait (up to 1024) and go out in order
 * once one is.
 *
 * Text frames carry JSON (`send({ a: 1 })` arrives as `{ a: 1 }`, `send('hi')` as `'hi'`); binary
 * data (ArrayBuffer, typed arrays, Blob) goes as it is and arrives as an ArrayBuffer.
 */
export class PrimaryChannel {
  readonly #events: PrimaryChannelEvents;
  #pc: RTCPeerConnection | undefined;
  #creator = false;
  #channel: RTCDataChannel | undefined;
  #queue: (string | Binary)[] = [];

  constructor(events: PrimaryChannelEvents) {
    this.#events = events;
  }

  /** The current channel, if any. */
  get channel(): RTCDataChannel | undefined {
    return this.#channel;
  }

  /** True while a channel is open. */
  get open(): boolean {
    return this.#channel?.readyState === 'open';
  }

  /** Starts on a new peer connection; the `creator` side opens the channel. */
  attach(pc: RTCPeerConnection, creator: boolean): void {
    this.#pc = pc;
    this.#creator = creator;
    if (creator) this.#create();
  }

  /** Stops reopening (the connection is closing); queued messages are dropped. */
  detach(): void {
    const channel = this.#channel;
    this.#pc = undefined;
    this.#channel = undefined;
    this.#queue = [];
    channel?.close();
  }

  /** A `datachannel` event with the primary label (on the side that does not create it). */
  adopt(channel: RTCDataChannel): void {
    if (!this.#pc) {
      channel.close();
      return;
    }
    this.#watch(channel);
  }

  /** Sends `data` now, or once a channel is open. */
  send(data: unknown): void {
    const frame = isBinary(data) ? data : JSON.stringify(data);
    if (frame === undefined) throw new TypeError('rtc.send: this value cannot be sent as JSON');
    if (this.open) {
      this.#sendNow(frame);
      return;
    }
    if (this.#queue.length >= QUEUE_LIMIT) {
      throw new Error(`rtc.send: ${QUEUE_LIMIT} messages already wait for the data channel`);
    }
    this.#queue.push(frame);
  }

  #create(): void {
    const pc = this.#pc;
    if (!pc || pc.signalingState === 'closed') return;
    this.#watch(pc.createDataChannel(PRIMARY_LABEL, { ordered: true }));
  }

  #watch(channel: RTCDataChannel): void {
    this.#channel = channel;
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('open', () => {
      if (this.#channel !== channel) return;
      this.#events.open();
      const queue = this.#queue;
      this.#queue = [];
      try {
        for (const frame of queue) this.#sendNow(frame);
      } catch (error) {
        this.#events.error(error instanceof Error ? error : new Error(String(error)));
      }
    });
    channel.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string') {
        this.#events.data(event.data);
        return;
      }
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        this.#events.error(new Error('rtc: the primary data channel received text that is not JSON'));
        return;
      }
      this.#events.data(data);
    });
    channel.addEventListener('close', () => {
      if (this.#channel !== channel) return;
      this.#channel = undefined;
      this.#events.close();
      // The connection lives on: open a new channel. A short pause lets the SCTP stream reset
      // finish on both sides first.
      if (this.#creator && this.#pc) setTimeout(() => this.#channel ?? this.#create(), 50);
    });
  }

  #sendNow(frame: string | Binary): void {
    const channel = this.#channel!;
    // The overloads of send() take each binary type separately.
    if (typeof frame === 'string') channel.send(frame);
    else if (frame instanceof Blob) channel.send(frame);
    else if (frame instanceof ArrayBuffer) channel.send(frame);
    else channel.send(frame as ArrayBufferView<ArrayBuffer>);
  }
}
