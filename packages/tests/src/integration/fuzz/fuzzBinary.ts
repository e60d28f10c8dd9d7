import { BinaryKind } from '@mwse/protocol/binary';
import type { Prng } from './Prng.js';
import type { FuzzTargets } from './fuzzFrame.js';
import { deepDepth, deepJson, toJsonText, payload, unicodeString } from './fuzzValue.js';

const KINDS = Object.values(BinaryKind);
const encoder = new TextEncoder();

/** A payload's bytes: JSON (often hostile), nothing, broken JSON, or bytes that are not UTF-8. */
function payloadBytes(prng: Prng, seq: number): Uint8Array {
  const roll = prng.next();
  if (roll < 0.55) return encoder.encode(toJsonText(payload(prng, seq)));
  if (roll < 0.7) return encoder.encode(deepJson(prng, deepDepth(prng)).text);
  if (roll < 0.8) return new Uint8Array(0);
  if (roll < 0.9) return encoder.encode(prng.pick(['{"a":', '}', 'undefined', '\u0000', '{"__proto__":{"x":1}}', '"unterminated']));
  return Uint8Array.from({ length: prng.int(1, 64) }, () => prng.int(0, 255));
}

/**
 * A binary frame of one kind with a header as the layout says (`docs/binary-framing.md`), the
 * target taken from the known peers and rooms; `lengthByte` may lie about the target's length.
 */
function headerFrame(prng: Prng, targets: FuzzTargets, seq: number): Uint8Array {
  const kind = prng.pick(KINDS);
  const peers = targets.peers();
  const target =
    kind === BinaryKind.RoomPack
      ? prng.chance(0.85) ? prng.pick(targets.rooms) : unicodeString(prng)
      : peers.length > 0 && prng.chance(0.85) ? prng.pick(peers) : prng.pick(['server', prng.uuid(), 'x'.repeat(65)]);
  const targetBytes = encoder.encode(target);
  const head: number[] = [kind];
  if (kind === BinaryKind.Response) head.push(prng.pick([0, 1, 1, 2, 255]));
  if (kind === BinaryKind.Request || kind === BinaryKind.Response) {
    const id = prng.chance(0.8) ? seq : prng.pick([0, 0xffffffff, prng.int(0, 50)]);
    head.push(id & 0xff, (id >>> 8) & 0xff, (id >>> 16) & 0xff, (id >>> 24) & 0xff);
  }
  const lie = prng.chance(0.15);
  head.push(lie ? prng.pick([0, 1, 255, targetBytes.length + 1]) : targetBytes.length & 0xff);
  const body = payloadBytes(prng, seq);
  const out = new Uint8Array(head.length + targetBytes.length + body.length);
  out.set(head, 0);
  out.set(targetBytes, head.length);
  out.set(body, head.length + targetBytes.length);
  return out;
}

/**
 * One binary WebSocket message: a tunnel frame of every kind with sane or broken headers, a
 * frame cut short, random bytes, a JSON frame sent as binary (`jsonText`), or nothing at all.
 */
export function binaryFrame(prng: Prng, targets: FuzzTargets, seq: number, jsonText: () => string): Uint8Array {
  const roll = prng.next();
  if (roll < 0.55) return headerFrame(prng, targets, seq);
  if (roll < 0.65) {
    const whole = headerFrame(prng, targets, seq);
    return whole.subarray(0, prng.int(1, Math.max(1, Math.min(whole.length - 1, 8))));
  }
  if (roll < 0.75) return Uint8Array.from({ length: prng.int(1, 200) }, () => prng.int(0, 255));
  if (roll < 0.78) return Uint8Array.from([prng.pick([0, 6, 7, 0x7a, 0x7c, 0xff])]);
  if (roll < 0.95) return encoder.encode(jsonText());
  return new Uint8Array(0);
}
