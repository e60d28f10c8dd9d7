import { describe, expect, it } from 'vitest';
import { decodeClientFrame } from '@mwse/protocol';
import { readAck } from './readAck.js';

/** What the schema path makes of `text`: the ack's count, or the refusal. */
function schema(text: string): number | { code: string } {
  const decoded = decodeClientFrame(text);
  if (!decoded.ok) return { code: decoded.error.code };
  return decoded.frame.type === 'session/ack' ? decoded.frame.seq : { code: `type ${decoded.frame.type}` };
}

const ack = (seq: string) => `{"type":"session/ack","seq":${seq}}`;

describe('readAck', () => {
  it('reads the SDK spelling with the count the schema reads', () => {
    for (const seq of [0, 1, 9, 10, 64, 256, 1023, 65_536, 123_456_789, 2 ** 32, 2 ** 52, Number.MAX_SAFE_INTEGER]) {
      const text = `{"type":"session/ack","seq":${seq}}`;
      expect(text).toBe(JSON.stringify({ type: 'session/ack', seq }));
      expect(readAck(text)).toBe(seq);
      expect(schema(text)).toBe(seq);
    }
  });

  it('leaves counts the schema refuses to the schema: past 2^53, negative, fractional, not a number', () => {
    const refused = [
      ack('9007199254740992'), // MAX_SAFE_INTEGER + 1
      ack('9007199254740993'),
      ack('9999999999999999'),
      ack('10000000000000000'),
      ack('1'.repeat(400)),
      ack('-1'),
      ack('1.5'),
      ack('"5"'),
      ack('null'),
      ack('true'),
      ack('[1]'),
      ack('{}'),
    ];
    for (const text of refused) {
      expect(readAck(text), text).toBeUndefined();
      expect(schema(text), text).toMatchObject({ code: expect.any(String) });
    }
  });

  it('leaves other spellings of a valid ack to the schema, which still reads them', () => {
    const spelled = [
      [ack('1e3'), 1000],
      [ack('1.0'), 1],
      [ack('0.0'), 0],
      [ack(' 7'), 7],
      [ack('7 '), 7],
      [`${ack('7')} `, 7],
      [`${ack('7')}\n`, 7],
      ['{"seq":7,"type":"session/ack"}', 7],
      ['{"type": "session/ack", "seq": 7}', 7],
      ['{"type":"session/ack","seq":7,"seq":8}', 8],
    ] as const;
    for (const [text, seq] of spelled) {
      expect(readAck(text), text).toBeUndefined();
      expect(schema(text), text).toBe(seq);
    }
  });

  it('leaves malformed frames and other frames to the schema, which refuses them as before', () => {
    const malformed = [
      ack('01'), // a leading zero is not JSON
      ack('00'),
      ack(''),
      ack('7') + '}',
      ack('7').slice(0, -1),
      ack('7,"extra":1'), // the schema is strict
      ack('7') + 'x',
      '{"type":"session/ack"}',
      '{"type":"session/ack","seq":}',
      '{"type":"session/ack","seq"',
      '{"type":"session/ack","seq":7',
      '{"type":"session/acks","seq":7}',
      '{"type":"session/ack","seq":１}', // a full-width digit
      '{"type":"session/ack","seq":٧}', // an Arabic-Indic digit
    ];
    for (const text of malformed) {
      expect(readAck(text), text).toBeUndefined();
      expect(schema(text), text).toMatchObject({ code: expect.any(String) });
    }
    expect(readAck('{"type":"session/end"}')).toBeUndefined();
    expect(readAck('')).toBeUndefined();
    expect(readAck('}')).toBeUndefined();
  });

  it('agrees with the schema on every one-character change of an ack', () => {
    const base = ack('1024');
    const alphabet = '0123456789-+.eE "{}:,[]ntrufals/ckypq\\\u0000\u00e9';
    let read = 0;
    for (let i = 0; i <= base.length; i++) {
      const variants = [base.slice(0, i) + base.slice(i + 1)];
      for (const ch of alphabet) variants.push(base.slice(0, i) + ch + base.slice(i + 1), base.slice(0, i) + ch + base.slice(i));
      for (const text of variants) {
        const fast = readAck(text);
        if (fast === undefined) continue;
        read += 1;
        expect(schema(text), text).toBe(fast);
      }
    }
    // Digit changes of the count are read (and agree); everything else went to the schema.
    expect(read).toBeGreaterThan(30);
  });
});
