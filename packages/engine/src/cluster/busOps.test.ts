import { describe, expect, it } from 'vitest';
import type { Op } from './Bus.js';
import { readOps, writeOps } from './busOps.js';

// The batch's ops as the channel and the log carry them: whatever goes in comes out equal (as
// JSON would have carried it), in order, and text that is not a batch is refused, never misread.
const SOURCE = 'node-a';
const id = 'a1b2c3d4-0000-4000-8000-000000000001';
const other = 'e5f6a7b8-0000-4000-8000-000000000002';

/** What the receiver got when the ops went as one JSON array (the format before this one). */
const asJson = (ops: Op[]) => JSON.parse(JSON.stringify(ops)) as Op[];

/** A small seeded generator, so a failure repeats. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['', ',', '0', '12,', 'T', 'D', 'J', '\n', '"', '\\', '{"a":1}', 'é', '😀', '\ud800', 'x'.repeat(40), '[', ']'];

function text(next: () => number): string {
  let s = '';
  const n = Math.floor(next() * 6);
  for (let k = 0; k < n; k++) s += PIECES[Math.floor(next() * PIECES.length)]!;
  return s;
}

function op(next: () => number): Op {
  const pick = Math.floor(next() * 9);
  const card = { id: text(next) || id, binary: next() < 0.5, address: text(next), ...(next() < 0.5 ? { identity: text(next) } : {}) };
  const sender = next() < 0.5 ? { i: text(next) || id } : { f: card };
  const rawError = next() < 0.5;
  switch (pick) {
    case 0:
      return { o: 'x', n: 'tunnel/direct', ...sender, a: { to: text(next), type: next() < 0.5 ? 'pack' : 'signal', text: text(next), rawError }, from: SOURCE };
    case 1:
      return { o: 'x', n: 'tunnel/request', ...sender, a: { to: text(next), id: Math.floor(next() * 2 ** 53), text: text(next), rawError }, from: SOURCE };
    case 2:
      return { o: 'x', n: 'tunnel/response', ...sender, a: { to: text(next), id: Math.floor(next() * 100), error: undefined, text: text(next), rawError }, from: SOURCE };
    case 3:
      return { o: 'd', to: Array.from({ length: 1 + Math.floor(next() * 3) }, () => text(next)), t: text(next) || 'pack', s: text(next) };
    case 4:
      return { o: 'd', to: [other], t: 'pack', b: Buffer.from(text(next)).toString('base64') };
    case 5:
      // A tunnel op as a value (a JSON frame off the fast path), or forwarded for another node.
      return { o: 'x', n: 'tunnel/direct', i: id, a: { to: other, type: 'pack', value: { t: text(next) } }, from: next() < 0.5 ? SOURCE : 'node-b' };
    case 6:
      return { o: 'x', n: 'rooms/join', f: card, a: { room: text(next) }, c: 7, from: SOURCE };
    case 7:
      return next() < 0.5 ? { o: 'r', c: 3, v: { x: text(next) } } : { o: 'r', c: 4, e: ['forbidden', text(next)] };
    default:
      return { o: 'g', id: text(next) };
  }
}

describe('bus ops format', () => {
  it('gives back what went in, in order, for 2,000 random batches', () => {
    const next = random(12);
    for (let round = 0; round < 2000; round++) {
      const ops = Array.from({ length: 1 + Math.floor(next() * 8) }, () => op(next));
      const written = writeOps(ops, SOURCE);
      expect(readOps(written, SOURCE)).toEqual(asJson(ops));
    }
  });

  it('writes a tunnel frame and a delivery as records, their text as it is', () => {
    const pack = '{"seq":1,"text":"a,b\\n"}';
    const written = writeOps(
      [
        { o: 'x', n: 'tunnel/direct', i: id, a: { to: other, type: 'pack', text: pack, rawError: false }, from: SOURCE },
        { o: 'd', to: [other], t: 'pack', s: pack },
      ],
      SOURCE,
    );
    expect(written).toBe(`Tp0${id.length},${id}${other.length},${other}${pack.length},${pack}Ds4,pack1,1${other.length},${other}${pack.length},${pack}`);
  });

  it('refuses text that is not a batch', () => {
    const good = writeOps([{ o: 'x', n: 'tunnel/direct', i: id, a: { to: other, type: 'pack', text: 'null', rawError: false }, from: SOURCE }], SOURCE);
    for (const bad of ['x', 'T', 'Tz0', 'Tp0', 'Tp036', 'D', 'Ds4,pack9,', 'J', 'J3,{}x', 'J2,{}', `J${'9'.repeat(12)},`, good.slice(0, -1), `${good}T`]) {
      expect(() => readOps(bad, SOURCE), bad).toThrow();
    }
    expect(readOps('', SOURCE)).toEqual([]);
  });
});
