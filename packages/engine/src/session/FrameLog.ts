import type { WireData } from '@mwse/protocol';

/**
 * Most frames, and most of their size (text counted per UTF-16 unit, as the sessions count),
 * one chunk of a `FrameLog` holds before the next frame starts a new one. A session that keeps
 * any frame of a chunk keeps the whole chunk reachable, so these bound what one kept frame can
 * hold in memory besides itself. Each member starts a run (a ring entry, counted on the slow
 * path) per chunk: 128 frames rather than 32 made that a quarter as often, ~14 instructions
 * less per delivered room message, with the byte bound unchanged.
 */
export const CHUNK_FRAMES = 128;
export const CHUNK_BYTES = 32 * 1024;

/** Frames of a log appended together; nothing in it changes once written. */
export class FrameChunk {
  readonly frames: WireData[] = [];
  /** `ends[i]`: the size of frames 0 … i together, so a run's size is one subtraction. */
  readonly ends: number[] = [];

  /** The size of frames `from` … `to - 1`. */
  size(from: number, to: number): number {
    const { ends } = this;
    return (to > 0 ? ends[to - 1]! : 0) - (from > 0 ? ends[from - 1]! : 0);
  }
}

/**
 * The frames of one fan-out (a room's messages in one codec), kept once for every session that
 * is sent them instead of once per session. A session keeps a run of consecutive frames of a
 * chunk as one entry (see `Session.keepShared`): a frame sent to 149 room members is one store
 * into the log and one small number stored in each member's run, not 149 stores of the frame into
 * 149 long-lived rings, each a pointer the garbage collector must remember and visit
 * (docs/performance.md).
 *
 * The log itself holds only the chunk it appends to; older chunks live as long as some session's
 * run refers to them, and the collector frees them after.
 */
export class FrameLog {
  /** The chunk of the frame appended last. */
  chunk = new FrameChunk();
  /** Its index in `chunk`. */
  at = -1;
  /** Its size. */
  size = 0;
  /** The size of the frames of `chunk` up to it, itself included (`chunk.ends[at]`). */
  end = 0;

  /** Append the frame the fan-out is about to send to its sessions. */
  append(data: WireData): void {
    let { chunk } = this;
    let { ends } = chunk;
    let before = ends.length > 0 ? ends[ends.length - 1]! : 0;
    if (ends.length >= CHUNK_FRAMES || before >= CHUNK_BYTES) {
      chunk = this.chunk = new FrameChunk();
      ends = chunk.ends;
      before = 0;
    }
    const size = data.length;
    this.at = chunk.frames.push(data) - 1;
    this.end = before + size;
    ends.push(this.end);
    this.size = size;
  }
}

/** A session's frames `from` … `to - 1` of one chunk: consecutive frames it was sent from one log. */
export class Run {
  constructor(
    readonly chunk: FrameChunk,
    public from: number,
    public to: number,
  ) {}
}
