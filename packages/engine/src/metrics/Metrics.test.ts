import { describe, expect, it } from 'vitest';
import { Metrics } from './Metrics.js';

describe('Metrics traffic counters', () => {
  it('count each frame type apart, however the types interleave, in both directions', () => {
    const m = new Metrics();
    for (const type of ['room/pack', 'room/pack', 'pack', 'room/pack', 'result', 'pack', 'pack']) m.countOut(type, 10);
    for (const type of ['pack', 'session/ack', 'pack']) m.countIn(type, 3);
    expect(m.get('mwse_messages_out_total', 'room/pack')).toBe(3);
    expect(m.get('mwse_messages_out_total', 'pack')).toBe(3);
    expect(m.get('mwse_messages_out_total', 'result')).toBe(1);
    expect(m.get('mwse_messages_out_total', 'hello')).toBe(0);
    expect(m.get('mwse_messages_in_total', 'pack')).toBe(2);
    expect(m.get('mwse_messages_in_total', 'session/ack')).toBe(1);
    // A type counted out is not counted in, and the reverse.
    expect(m.get('mwse_messages_in_total', 'room/pack')).toBe(0);
    const text = m.render();
    expect(text).toContain('mwse_messages_out_total{type="room/pack"} 3');
    expect(text).toContain('mwse_messages_out_total{type="pack"} 3');
    expect(text).toContain('mwse_messages_in_total{type="session/ack"} 1');
    expect(text).toContain('mwse_bytes_out_total 70');
    expect(text).toContain('mwse_bytes_in_total 9');
  });
});
