import { describe, expect, it, vi } from 'vitest';
import { Emitter } from './Emitter.js';

interface Events {
  tick: (n: number) => void;
  pair: (a: string, b: number) => void;
}

describe('Emitter', () => {
  it('calls listeners in order with the emitted arguments', () => {
    const emitter = new Emitter<Events>();
    const calls: string[] = [];
    emitter.on('pair', (a, b) => calls.push(`1:${a}${b}`));
    emitter.on('pair', (a, b) => calls.push(`2:${a}${b}`));
    expect(emitter.emit('pair', 'x', 7)).toBe(true);
    expect(calls).toEqual(['1:x7', '2:x7']);
  });

  it('returns false when nobody listens', () => {
    expect(new Emitter<Events>().emit('tick', 1)).toBe(false);
  });

  it('once fires a single time and can be removed by the original listener', () => {
    const emitter = new Emitter<Events>();
    const once = vi.fn();
    emitter.once('tick', once);
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    expect(once).toHaveBeenCalledTimes(1);
    expect(once).toHaveBeenCalledWith(1);

    const removed = vi.fn();
    emitter.once('tick', removed).off('tick', removed);
    emitter.emit('tick', 3);
    expect(removed).not.toHaveBeenCalled();
  });

  it('off removes one listener, or all of an event', () => {
    const emitter = new Emitter<Events>();
    const a = vi.fn();
    const b = vi.fn();
    emitter.on('tick', a).on('tick', b).off('tick', a);
    emitter.emit('tick', 1);
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledOnce();
    emitter.off('tick');
    expect(emitter.listenerCount('tick')).toBe(0);
  });

  it('a listener removed during an emit still completes that emit, then stops', () => {
    const emitter = new Emitter<Events>();
    const second = vi.fn();
    emitter.on('tick', () => emitter.off('tick', second));
    emitter.on('tick', second);
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    expect(second).toHaveBeenCalledTimes(1);
  });

  it('a throwing listener does not stop the others, and is reported', () => {
    const report = vi.fn();
    const emitter = new Emitter<Events>(report);
    const after = vi.fn();
    const boom = new Error('boom');
    emitter.on('tick', () => {
      throw boom;
    });
    emitter.on('tick', after);
    expect(() => emitter.emit('tick', 1)).not.toThrow();
    expect(after).toHaveBeenCalledWith(1);
    expect(report).toHaveBeenCalledWith(boom, 'tick');
  });

  it('reports the rejection of an async listener', async () => {
    const report = vi.fn();
    const emitter = new Emitter<Events>(report);
    emitter.on('tick', async () => {
      throw new Error('later');
    });
    emitter.emit('tick', 1);
    await new Promise((r) => setTimeout(r, 0));
    expect(report).toHaveBeenCalledWith(expect.objectContaining({ message: 'later' }), 'tick');
  });

  it('counts listeners per event and in total', () => {
    const emitter = new Emitter<Events>();
    emitter
      .on('tick', () => {})
      .on('pair', () => {})
      .on('pair', () => {});
    expect(emitter.listenerCount('pair')).toBe(2);
    expect(emitter.listenerCount()).toBe(3);
  });
});
