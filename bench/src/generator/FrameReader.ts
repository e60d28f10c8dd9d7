/** Called with the payload of each frame the reader keeps (see {@link FrameReader.keeps}). */
export type FrameHandler = (opcode: number, payload: Buffer) => void;

const EMPTY = Buffer.alloc(0);

/**
 * Incremental parser of server → client WebSocket frames. In count mode (`decode = false`) it
 * reads headers only and skips payload bytes, so counting a delivered message costs a few
 * byte reads instead of a UTF-8 decode and a JSON.parse: that is what keeps the generator
 * cheaper than the servers it measures. Control frames, and data frames no longer than
 * `keepUpTo` bytes (Socket.IO's "2" ping), are always handed over.
 */
export class FrameReader {
  /** Keep (and hand over) data frame payloads; false = count them only. */
  decode = true;
  /** Data frames of at most this many bytes are kept even in count mode. */
  keepUpTo = 0;
  /**
   * In count mode, longer data frames are still counted and also handed here (no UTF-8 decode:
   * the one-way latency reads a stamp from their bytes).
   */
  sample: ((payload: Buffer) => void) | undefined;
  /** Complete data frames skipped since the last {@link take}. */
  private counted = 0;
  /** Payload bytes of the data frames counted so far (a running total, for session acks). */
  countedBytes = 0;

  private readonly header = Buffer.alloc(14);
  private headerLen = 0;
  private remaining = 0;
  private opcode = 0;
  private fin = false;
  private parts: Buffer[] | undefined;
  private sampling = false;

  constructor(private readonly onFrame: FrameHandler) {}

  /** Data frames counted (not kept) since the last call. */
  take(): number {
    const n = this.counted;
    this.counted = 0;
    return n;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, n - i);
        this.parts?.push(chunk.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.finish();
        continue;
      }
      // Header: gather its bytes (it may straddle chunks), then start the payload.
      this.header[this.headerLen++] = chunk[i++]!;
      if (this.headerLen < 2) continue;
      const b1 = this.header[1]!;
      const len7 = b1 & 0x7f;
      const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
      if (this.headerLen < need) continue;
      let len = len7;
      if (len7 === 126) len = this.header.readUInt16BE(2);
      else if (len7 === 127) len = Number(this.header.readBigUInt64BE(2));
      this.begin(len);
    }
  }

  private begin(len: number): void {
    const b0 = this.header[0]!;
    this.headerLen = 0;
    this.fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (opcode !== 0) this.opcode = opcode;
    this.remaining = len;
    if (opcode < 8) this.countedBytes += len;
    this.sampling = !this.decode && this.opcode < 8 && len > this.keepUpTo && this.sample !== undefined;
    this.parts = this.decode || this.opcode >= 8 || len <= this.keepUpTo || this.sampling ? [] : undefined;
    if (len === 0) this.finish();
  }

  private finish(): void {
    const parts = this.parts;
    this.parts = undefined;
    if (this.opcode >= 8 || this.fin) {
      const payload = parts === undefined ? undefined : parts.length === 1 ? parts[0]! : parts.length ? Buffer.concat(parts) : EMPTY;
      if (this.sampling) {
        this.sample!(payload!);
        this.counted++;
      } else if (payload) this.onFrame(this.opcode, payload);
      else this.counted++;
    }
  }
}
