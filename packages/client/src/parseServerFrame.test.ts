import { describe, expect, it } from 'vitest';
import { parseServerFrame } from './parseServerFrame.js';

describe('parseServerFrame', () => {
  it('reads text and binary JSON objects with a type', () => {
    const text = '{"type":"result","id":1,"data":true}';
    expect(parseServerFrame(text)).toEqual({ type: 'result', id: 1, data: true });
    const bytes = new TextEncoder().encode(text);
    expect(parseServerFrame(bytes)).toEqual({ type: 'result', id: 1, data: true });
    expect(parseServerFrame(bytes.buffer)).toEqual({ type: 'result', id: 1, data: true });
  });

  it('returns undefined for anything else, never throws', () => {
    for (const input of ['{', '[]', 'null', '"x"', '{"type":1}', '{}', 42, undefined, {}]) {
      expect(parseServerFrame(input)).toBeUndefined();
    }
  });
});
