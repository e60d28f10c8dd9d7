import { maskedFrame } from './wsFrames.js';
import { PACK_BYTES } from './payload.js';

/*
 * One-way latency without decoding: every message carries its send time as a fixed-width
 * number, written into a pre-built masked frame just before it goes out, and read back from the
 * delivered frame's bytes with one search and a digit loop. Send and receive times are taken on
 * the clock every process on the machine shares (the wall clock read through the monotonic one),
 * so a frame stamped in one process can be timed in another.
 */

/** Digits of a stamp: microseconds of the shared clock (~1.8e15 today; 16 digits until 2286). */
const DIGITS = 16;
const PLACEHOLDER = '0'.repeat(DIGITS);
const KEY = Buffer.from('"t":');
const ZERO = 0x30;

/** Microseconds on the clock every process of the machine shares. */
export function stampNow(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** A pack of `bytes` bytes (as the other workloads send) whose `t` is a stamp placeholder. */
export function stampedPack(bytes = PACK_BYTES): string {
  const base = `{"t":${PLACEHOLDER},"text":""}`;
  return `${base.slice(0, -2)}${'x'.repeat(Math.max(0, bytes - base.length))}"}`;
}

/**
 * A client frame built and masked once, with the stamp's digits at a known place: `fill` writes
 * `n` copies stamped with one time, masking only the 16 digits.
 */
export class StampedFrame {
  readonly length: number;
  private readonly frame: Buffer;
  /** Where the first digit sits in the frame, and the mask byte that applies to it. */
  private readonly at: number;
  private readonly mask: Buffer;
  private readonly maskPhase: number;

  constructor(message: string) {
    const digits = message.indexOf(`"t":${PLACEHOLDER}`);
    if (digits === -1) throw new Error('a stamped frame needs the stamped pack in it');
    this.frame = maskedFrame(message);
    this.length = this.frame.length;
    const head = this.length - Buffer.byteLength(message);
    const offset = Buffer.byteLength(message.slice(0, digits)) + KEY.length;
    this.at = head + offset;
    this.mask = this.frame.subarray(head - 4, head);
    this.maskPhase = offset & 3;
  }

  /** `n` copies stamped `micros`, back to back in a new buffer (the socket keeps it). */
  fill(n: number, micros: number): Buffer {
    const out = Buffer.allocUnsafe(n * this.length);
    const digits = String(micros).padStart(DIGITS, '0');
    const masked = Buffer.allocUnsafe(DIGITS);
    for (let i = 0; i < DIGITS; i++) masked[i] = digits.charCodeAt(i) ^ this.mask[(this.maskPhase + i) & 3]!;
    for (let k = 0; k < n; k++) {
      const base = k * this.length;
      this.frame.copy(out, base);
      masked.copy(out, base + this.at);
    }
    return out;
  }
}

/** The stamp a delivered frame carries, or -1 when it has none. */
export function readStamp(payload: Buffer): number {
  const i = payload.indexOf(KEY);
  if (i === -1 || i + KEY.length + DIGITS > payload.length) return -1;
  let micros = 0;
  for (let j = i + KEY.length, end = j + DIGITS; j < end; j++) {
    const d = payload[j]! - ZERO;
    if (d < 0 || d > 9) return -1;
    micros = micros * 10 + d;
  }
  return micros;
}
