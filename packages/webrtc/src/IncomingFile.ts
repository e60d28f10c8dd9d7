import {
  chunkCount,
  decodeChunk,
  FileTransferError,
  parseControl,
  ProgressThrottle,
  type FileControl,
  type FileHeader,
  type FileTransfer,
  type FileTransferErrorCode,
} from './FileTransfer.js';

/** What the receiving side reports to the engine. */
export interface FileReceiverEvents {
  incoming(transfer: IncomingFile): void;
  progress(transfer: IncomingFile): void;
  file(file: File, transfer: IncomingFile): void;
  cancel(error: FileTransferError): void;
}

/**
 * A file on its way in. Chunks arrive on several channels in any order and are kept as Blobs
 * (which the browser may page out to disk) until the last one, then joined into a `File`.
 */
export class IncomingFile implements FileTransfer {
  readonly direction = 'receive';
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly #header: FileHeader;
  readonly #events: FileReceiverEvents;
  readonly #ended: (id: string) => void;
  readonly #parts: (Blob | undefined)[];
  readonly #channels = new Set<RTCDataChannel>();
  #chunks = 0;
  #received = 0;
  #finished = false;
  readonly #progressPace = new ProgressThrottle();

  /** Made by the engine when the first channel of a transfer arrives. */
  constructor(header: FileHeader, events: FileReceiverEvents, ended: (id: string) => void) {
    this.#header = header;
    this.#events = events;
    this.#ended = ended;
    this.id = header.id;
    this.name = header.name;
    this.size = header.size;
    this.type = header.type;
    this.#parts = new Array<Blob | undefined>(chunkCount(header));
  }

  /** Bytes received so far. */
  get transferred(): number {
    return this.#received;
  }

  /** Stops the transfer; the sender's `sendFile` rejects with `cancelled` (by `remote`). */
  cancel(): void {
    this.#fail('cancelled', 'local');
  }

  /** @internal One more channel of this transfer. */
  add(channel: RTCDataChannel): void {
    if (this.#finished) {
      channel.close();
      return;
    }
    this.#channels.add(channel);
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data === 'string') {
        if (parseControl(event.data)?.t === 'cancel') this.#fail('cancelled', 'remote');
      } else {
        this.#chunk(event.data as ArrayBuffer);
      }
    });
    channel.addEventListener('close', () => this.#fail('broken', 'remote'));
    channel.addEventListener('error', () => this.#fail('broken', 'remote'));
  }

  /** @internal Called once the transfer was announced: an empty file is complete at once. */
  begin(): void {
    if (this.#parts.length === 0 && !this.#finished) this.#complete();
  }

  /** @internal The peer connection is gone. */
  abandon(): void {
    this.#fail('closed', 'local');
  }

  #chunk(message: ArrayBuffer): void {
    if (this.#finished) return;
    const chunk = decodeChunk(message);
    const expected = chunk && this.#expectedLength(chunk.index);
    if (!chunk || expected === undefined || chunk.payload.byteLength !== expected) {
      this.#fail('broken', 'local', `file "${this.name}": a chunk did not match the announced size`);
      return;
    }
    if (this.#parts[chunk.index]) return; // a duplicate changes nothing
    this.#parts[chunk.index] = new Blob([chunk.payload]);
    this.#chunks++;
    this.#received += chunk.payload.byteLength;
    if (this.#chunks === this.#parts.length) this.#complete();
    else this.#progress(false);
  }

  #expectedLength(index: number): number | undefined {
    if (index >= this.#parts.length) return undefined;
    const { chunkSize } = this.#header;
    return Math.min(chunkSize, this.size - index * chunkSize);
  }

  #complete(): void {
    this.#finished = true;
    this.#ended(this.id);
    this.#control({ t: 'done' });
    this.#progress(true);
    const { name, type, lastModified } = this.#header;
    const file = new File(this.#parts as Blob[], name, { type, lastModified });
    this.#events.file(file, this);
  }

  #progress(force: boolean): void {
    if (!this.#progressPace.due(force)) return;
    this.#events.progress(this);
  }

  /** Sends a control message on an open channel, or on the first one to open. */
  #control(message: FileControl): void {
    const text = JSON.stringify(message);
    const open = [...this.#channels].find((c) => c.readyState === 'open');
    if (open) {
      open.send(text);
      return;
    }
    const first = [...this.#channels][0];
    first?.addEventListener('open', () => first.send(text), { once: true });
  }

  #fail(code: FileTransferErrorCode, by: 'local' | 'remote', message?: string): void {
    if (this.#finished) return;
    if (code === 'cancelled' && by === 'local') this.#control({ t: 'cancel' });
    this.#finished = true;
    this.#ended(this.id);
    for (const channel of this.#channels) channel.close();
    this.#events.cancel(new FileTransferError(code, by, this, message));
  }
}
