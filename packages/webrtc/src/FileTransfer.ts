/** Label prefix of the data channels that carry a file. */
export const FILE_LABEL_PREFIX = 'mwse-file:';

/** What the receiver learns about a file before its bytes, from the channel labels. */
export interface FileHeader {
  /** Transfer id, unique per sender. */
  id: string;
  name: string;
  size: number;
  type: string;
  lastModified: number;
  /** Payload bytes per chunk (the last one may be shorter). */
  chunkSize: number;
  /** How many channels carry the chunks. */
  channels: number;
}

/** A transfer in either direction, as progress and cancel events show it. */
export interface FileTransfer {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly direction: 'send' | 'receive';
  /** Bytes sent (handed to the network) or received so far. */
  readonly transferred: number;
}

/** Progress is reported at most this often (ms), and always when forced (start, end). */
const PROGRESS_INTERVAL = 50;

/** Paces one transfer's progress events, on either side. */
export class ProgressThrottle {
  #last = 0;

  /** True when a progress event is due now (and counts it as sent). */
  due(force: boolean): boolean {
    const now = Date.now();
    if (!force && now - this.#last < PROGRESS_INTERVAL) return false;
    this.#last = now;
    return true;
  }
}

/** Why a transfer stopped before the end. */
export type FileTransferErrorCode = 'cancelled' | 'broken' | 'closed';

/**
 * A transfer that did not finish: `cancelled` by a side (`by` says which), `broken` (a channel
 * closed or failed mid-way), or `closed` (the peer connection ended).
 */
export class FileTransferError extends Error {
  readonly code: FileTransferErrorCode;
  /** Which side stopped it: `local` (this page) or `remote`. */
  readonly by: 'local' | 'remote';
  readonly transfer: FileTransfer;

  constructor(code: FileTransferErrorCode, by: 'local' | 'remote', transfer: FileTransfer, message?: string) {
    super(message ?? `file "${transfer.name}": ${code} (${by})`);
    this.name = 'FileTransferError';
    this.code = code;
    this.by = by;
    this.transfer = transfer;
  }
}

/** Control messages, sent as text on any channel of the transfer. */
export type FileControl = { t: 'done' } | { t: 'cancel' };

/** The label of channel `index` of a transfer: the whole header, so any channel can arrive first. */
export function fileChannelLabel(header: FileHeader, index: number): string {
  return FILE_LABEL_PREFIX + JSON.stringify({ ...header, index });
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The header and channel index in a file channel's label, or `undefined` for other labels. */
export function parseFileChannelLabel(label: string): { header: FileHeader; index: number } | undefined {
  if (!label.startsWith(FILE_LABEL_PREFIX)) return undefined;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(label.slice(FILE_LABEL_PREFIX.length)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { id, name, size, type, lastModified, chunkSize, channels, index } = value ?? {};
  if (
    typeof id !== 'string' ||
    typeof name !== 'string' ||
    typeof type !== 'string' ||
    typeof lastModified !== 'number' ||
    !isCount(size) ||
    !isCount(chunkSize) ||
    chunkSize === 0 ||
    !isCount(channels) ||
    channels === 0 ||
    !isCount(index) ||
    index >= channels
  ) {
    return undefined;
  }
  return { header: { id, name, size, type, lastModified, chunkSize, channels }, index };
}

/** Chunks carry their index in 4 leading bytes (big-endian), since channels deliver out of step. */
export const CHUNK_HEADER_BYTES = 4;

/** One binary message: the chunk's index, then its bytes. */
export function encodeChunk(index: number, payload: ArrayBuffer): ArrayBuffer {
  const out = new Uint8Array(CHUNK_HEADER_BYTES + payload.byteLength);
  new DataView(out.buffer).setUint32(0, index);
  out.set(new Uint8Array(payload), CHUNK_HEADER_BYTES);
  return out.buffer;
}

/** The index and bytes of a binary message, or `undefined` when it is too short. */
export function decodeChunk(message: ArrayBuffer): { index: number; payload: Uint8Array<ArrayBuffer> } | undefined {
  if (message.byteLength < CHUNK_HEADER_BYTES) return undefined;
  return {
    index: new DataView(message).getUint32(0),
    payload: new Uint8Array(message, CHUNK_HEADER_BYTES),
  };
}

/** The number of chunks of a file. */
export function chunkCount(header: Pick<FileHeader, 'size' | 'chunkSize'>): number {
  return Math.ceil(header.size / header.chunkSize);
}

/** Parses a control message; anything else is `undefined`. */
export function parseControl(text: string): FileControl | undefined {
  try {
    const value = JSON.parse(text) as { t?: unknown };
    return value?.t === 'done' || value?.t === 'cancel' ? (value as FileControl) : undefined;
  } catch {
    return undefined;
  }
}
