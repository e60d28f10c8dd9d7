import type { FileHeader } from './FileTransfer.js';
import { IncomingFile, type FileReceiverEvents } from './IncomingFile.js';

/** Ids of ended transfers kept, so their late channels are closed instead of starting anew. */
const ENDED_KEPT = 256;

/** Routes the channels of incoming files to their transfers. */
export class FileReceiver {
  readonly #events: FileReceiverEvents;
  #active = new Map<string, IncomingFile>();
  #ended = new Set<string>();

  constructor(events: FileReceiverEvents) {
    this.#events = events;
  }

  /** Transfers under way. */
  get active(): IncomingFile[] {
    return [...this.#active.values()];
  }

  /** A channel whose label announced `header`. */
  adopt(channel: RTCDataChannel, header: FileHeader): void {
    if (this.#ended.has(header.id)) {
      channel.close();
      return;
    }
    const known = this.#active.get(header.id);
    if (known) {
      known.add(channel);
      return;
    }
    const transfer = new IncomingFile(header, this.#events, (id) => this.#end(id));
    this.#active.set(header.id, transfer);
    transfer.add(channel);
    this.#events.incoming(transfer);
    transfer.begin();
  }

  /** The connection closed: every transfer under way fails with `closed`. */
  abandonAll(): void {
    for (const transfer of [...this.#active.values()]) transfer.abandon();
  }

  #end(id: string): void {
    this.#active.delete(id);
    this.#ended.add(id);
    if (this.#ended.size > ENDED_KEPT) this.#ended.delete(this.#ended.values().next().value!);
  }
}
