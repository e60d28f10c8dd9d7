import {
  CHUNK_HEADER_BYTES,
  chunkCount,
  encodeChunk,
  fileChannelLabel,
  FileTransferError,
  parseControl,
  ProgressThrottle,
  type FileControl,
  type FileHeader,
  type FileTransfer,
  type FileTransferErrorCode,
} from './FileTransfer.js';

/** Options of `rtc.sendFile`. */
export interface SendFileOptions {
  /** Called as bytes leave (throttled, and once more at the end). */
  onProgress?: (transfer: FileTransfer) => void;
  /** Aborting cancels the transfer on both sides. */
  signal?: AbortSignal;
  /** Data channels used in parallel (default 4, at most 16). */
  channels?: number;
  /** Bytes per chunk (default 64 KiB, which every browser's SCTP accepts). */
  chunkSize?: number;
  /** Name to send when `file` is a Blob without one. */
  name?: string;
}

/** What the sender reports to the engine. */
export interface FileSenderEvents {
  progress(transfer: FileTransfer): void;
  cancel(error: FileTransferError): void;
}

/** Bytes a channel may hold unsent before the sender waits; Chrome closes a channel past 16 MiB. */
const HIGH_WATER = 4 * 1024 * 1024;
/** `bufferedamountlow` fires below this: the sender then tops the channel up again. */
const LOW_WATER = 1024 * 1024;
const DEFAULT_CHUNK = 64 * 1024;

let counter = 0;

/**
 * One outgoing file: channels labelled with the file's header, chunks pulled from a shared counter
 * by one pump per channel (a faster channel takes more), each pump waiting on `bufferedamountlow`
 * whenever its channel holds more than {@link HIGH_WATER}. Resolves once the receiver confirms it
 * has every byte.
 */
export class FileSender implements FileTransfer {
  readonly direction = 'send';
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly #file: Blob;
  readonly #header: FileHeader;
  readonly #options: SendFileOptions;
  readonly #events: FileSenderEvents;
  #channels: RTCDataChannel[] = [];
  #sent = 0;
  /** Highest `transferred` reported: chunk headers make the raw figure dip by a few bytes. */
  #reported = 0;
  #finished = false;
  #wakeups = new Set<() => void>();
  readonly #progressPace = new ProgressThrottle();
  #settle!: { resolve(): void; reject(error: FileTransferError): void };
  readonly #done: Promise<void>;

  constructor(file: Blob, options: SendFileOptions, events: FileSenderEvents) {
    this.#file = file;
    this.#options = options;
    this.#events = events;
    this.id = `${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    this.name = options.name ?? (file as Partial<File>).name ?? 'file';
    this.size = file.size;
    this.type = file.type;
    const chunkSize = Math.max(1024, Math.floor(options.chunkSize ?? DEFAULT_CHUNK) - CHUNK_HEADER_BYTES);
    const wanted = Math.min(16, Math.max(1, Math.floor(options.channels ?? 4)));
    this.#header = {
      id: this.id,
      name: this.name,
      size: this.size,
      type: this.type,
      lastModified: (file as Partial<File>).lastModified ?? Date.now(),
      chunkSize,
      channels: Math.max(1, Math.min(wanted, chunkCount({ size: this.size, chunkSize }))),
    };
    this.#done = new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
    // The caller gets the outcome from run(); this only keeps an early failure from being
    // reported as unhandled before run() awaits it.
    this.#done.catch(() => {});
  }

  /** Bytes handed to the network and no longer buffered. */
  get transferred(): number {
    if (!this.#finished) {
      const buffered = this.#channels.reduce((sum, c) => sum + c.bufferedAmount, 0);
      this.#reported = Math.max(this.#reported, Math.min(this.size, this.#sent - buffered));
    }
    return this.#reported;
  }

  /** Opens the channels on `pc` and sends; settles when the receiver has it all, or it stopped. */
  async run(pc: RTCPeerConnection): Promise<void> {
    const { signal } = this.#options;
    if (signal?.aborted) this.#fail('cancelled', 'local');
    signal?.addEventListener('abort', () => this.#fail('cancelled', 'local'), { once: true });
    if (!this.#finished) this.#open(pc);
    const opened = Promise.all(this.#channels.map((channel) => this.#whenOpen(channel)));
    await Promise.race([opened, this.#done]);
    const total = chunkCount(this.#header);
    let next = 0;
    const pump = async (channel: RTCDataChannel): Promise<void> => {
      while (!this.#finished) {
        const index = next++;
        if (index >= total) return;
        await this.#sendChunk(channel, index);
      }
    };
    await Promise.race([Promise.all(this.#channels.map(pump)), this.#done]);
    return this.#done;
  }

  /** Cancels on both sides (the receiver gets `file/cancel`). */
  cancel(): void {
    this.#fail('cancelled', 'local');
  }

  /** The peer connection is gone. */
  abandon(): void {
    this.#fail('closed', 'local');
  }

  #open(pc: RTCPeerConnection): void {
    for (let index = 0; index < this.#header.channels; index++) {
      const channel = pc.createDataChannel(fileChannelLabel(this.#header, index), { ordered: true });
      channel.binaryType = 'arraybuffer';
      channel.bufferedAmountLowThreshold = LOW_WATER;
      channel.addEventListener('bufferedamountlow', () => this.#wake());
      channel.addEventListener('message', (event: MessageEvent) => {
        if (typeof event.data === 'string') this.#control(parseControl(event.data));
      });
      channel.addEventListener('close', () => this.#fail('broken', 'remote'));
      channel.addEventListener('error', () => this.#fail('broken', 'remote'));
      this.#channels.push(channel);
    }
  }

  #whenOpen(channel: RTCDataChannel): Promise<void> {
    if (channel.readyState === 'open') return Promise.resolve();
    return new Promise((resolve) => channel.addEventListener('open', () => resolve(), { once: true }));
  }

  async #sendChunk(channel: RTCDataChannel, index: number): Promise<void> {
    const { chunkSize } = this.#header;
    const start = index * chunkSize;
    const payload = await this.#file.slice(start, Math.min(this.size, start + chunkSize)).arrayBuffer();
    while (!this.#finished && channel.bufferedAmount > HIGH_WATER) {
      await new Promise<void>((resolve) => this.#wakeups.add(resolve));
    }
    if (this.#finished) return;
    try {
      channel.send(encodeChunk(index, payload));
    } catch {
      this.#fail('broken', 'local');
      return;
    }
    this.#sent += payload.byteLength;
    this.#progress(false);
  }

  #control(message: FileControl | undefined): void {
    if (message?.t === 'cancel') this.#fail('cancelled', 'remote');
    else if (message?.t === 'done' && !this.#finished) {
      this.#reported = this.size;
      this.#finish();
      this.#progress(true);
      this.#settle.resolve();
    }
  }

  #progress(force: boolean): void {
    if (!this.#progressPace.due(force)) return;
    this.#options.onProgress?.(this);
    this.#events.progress(this);
  }

  #fail(code: FileTransferErrorCode, by: 'local' | 'remote'): void {
    if (this.#finished) return;
    if (code === 'cancelled' && by === 'local') {
      const cancel = JSON.stringify({ t: 'cancel' } satisfies FileControl);
      for (const channel of this.#channels) if (channel.readyState === 'open') channel.send(cancel);
    }
    this.#finish();
    const error = new FileTransferError(code, by, this);
    this.#events.cancel(error);
    this.#settle.reject(error);
  }

  #finish(): void {
    this.#finished = true;
    this.#wake();
    // close() lets queued messages (the cancel above) go out first.
    for (const channel of this.#channels) channel.close();
  }

  #wake(): void {
    const wakeups = [...this.#wakeups];
    this.#wakeups.clear();
    for (const wake of wakeups) wake();
  }
}
